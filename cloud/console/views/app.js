import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, api, storedToken, storeToken } from "../lib/api.js";
import { html } from "../lib/html.js";
import { AlertsView } from "./alerts.js";
import { SignIn } from "./sign-in.js";
import { SiteView } from "./site.js";
import { StockView } from "./stock.js";
import { TasksView } from "./tasks.js";

const VIEWS = [
  { id: "alerts", title: "Alerts", component: AlertsView },
  { id: "tasks", title: "Tasks", component: TasksView },
  { id: "stock", title: "Stock", component: StockView },
  { id: "site", title: "Site", component: SiteView },
];

function routeFromHash() {
  const id = location.hash.replace(/^#\/?/, "");
  return VIEWS.some((v) => v.id === id) ? id : "alerts";
}

/** The shell: who is signed in (from /v1/whoami), the navigation, and the chosen view. */
export function App() {
  const [me, setMe] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  const [signingIn, setSigningIn] = useState(false);
  const [route, setRoute] = useState(routeFromHash());

  const whoami = useCallback(async () => {
    try {
      setMe(await api("/v1/whoami"));
      setProblem(undefined);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        if (storedToken() !== undefined) storeToken(undefined);
        setMe(null);
        return false;
      }
      setProblem(error instanceof Error ? error.message : String(error));
      return false;
    }
  }, []);

  useEffect(() => {
    whoami();
    const onHash = () => setRoute(routeFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, [whoami]);

  const signOut = () => {
    storeToken(undefined);
    setMe(undefined);
    whoami();
  };

  if (problem !== undefined) {
    return html`<div class="center-card"><h1>Tally console</h1><p class="error">The cloud did not answer: ${problem}</p>
      <button class="primary" onClick=${whoami}>Try again</button></div>`;
  }
  if (me === undefined) return html`<p class="boot">Loading the console…</p>`;
  if (me === null || signingIn) {
    return html`<${SignIn}
      verify=${whoami}
      onDone=${() => setSigningIn(false)}
      onCancel=${me === null ? undefined : () => setSigningIn(false)}
    />`;
  }

  const view = VIEWS.find((v) => v.id === route) ?? VIEWS[0];
  const anonymous = me.id === "anonymous";
  return html`
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true">▦</span> Tally <span class="muted">console</span></div>
      <nav>
        ${VIEWS.map((v) => html`<a href=${`#/${v.id}`} class=${v.id === route ? "active" : ""} data-view=${v.id}>${v.title}</a>`)}
      </nav>
      <div class="who">
        ${
          anonymous
            ? html`<span class="pill muted" title="Development mode: reads need no token on the loopback">Read-only</span>
              <button class="ghost" onClick=${() => setSigningIn(true)}>Sign in</button>`
            : html`<span class="who-name" data-testid="who">${me.name}</span><span class="pill">${me.role}</span>
              <button class="ghost" onClick=${signOut}>Sign out</button>`
        }
      </div>
    </header>
    <main class="content">
      <${view.component} me=${me} key=${`${view.id}:${me.id}`} />
    </main>
  `;
}
