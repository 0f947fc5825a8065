import { useState } from "preact/hooks";
import { storedToken, storeToken } from "../lib/api.js";
import { html } from "../lib/html.js";

/** Sign-in with an API token (kept in sessionStorage for this tab only). */
export function SignIn({ verify, onDone, onCancel }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const previous = storedToken();
    setBusy(true);
    storeToken(token.trim());
    const ok = await verify();
    setBusy(false);
    if (ok) {
      onDone();
      return;
    }
    storeToken(previous);
    // Back to how it was (an anonymous reader stays one), with the refusal shown.
    if (previous === undefined) await verify();
    setProblem("The cloud does not accept this token (unknown, malformed or revoked).");
  };

  return html`
    <div class="center-card">
      <h1><span class="logo" aria-hidden="true">▦</span> Tally console</h1>
      <p class="muted">Sign in with an API token (<code>npx tally token create</code> or <code>POST /v1/tokens</code>).
        It is kept in this tab only.</p>
      <form onSubmit=${submit} class="stack">
        <label>API token
          <input type="password" name="token" autocomplete="off" required value=${token}
            onInput=${(e) => setToken(e.currentTarget.value)} placeholder="tly_…" />
        </label>
        ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
        <div class="row">
          <button class="primary" type="submit" disabled=${busy || token.trim() === ""}>Sign in</button>
          ${onCancel === undefined ? null : html`<button type="button" class="ghost" onClick=${onCancel}>Cancel</button>`}
        </div>
      </form>
    </div>
  `;
}
