import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { allPages, query, storedToken } from "../lib/api.js";
import { followEvents } from "../lib/event-stream.js";
import { ago, label, requiredSite, roleAtLeast } from "../lib/format.js";
import { html } from "../lib/html.js";
import { AlertDetail } from "./alert-detail.js";
import { messageText } from "./message-text.js";
import { SilenceForm } from "./silence-form.js";
import { Silences } from "./silences.js";

const SEVERITIES = ["critical", "major", "minor", "warning"];
const STATUSES = ["active", "open", "acknowledged", "cleared", "resolved", "all"];
/** Statuses of alerts whose story is not over. */
const LIVE = ["open", "acknowledged", "cleared"];
/** How long an alert that arrived live stays highlighted, ms. */
const FRESH_MS = 10_000;

const authHeaders = () => {
  const token = storedToken();
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
};

function matches(alert, filter) {
  if (filter.siteId !== "" && alert.siteId !== filter.siteId) return false;
  if (filter.severity !== "" && alert.severity !== filter.severity) return false;
  // Not resolved: what people work on (a pending alert, still in its grace period, is nobody's yet).
  if (filter.status === "active") return LIVE.includes(alert.status);
  return filter.status === "all" || alert.status === filter.status;
}

const latest = (a) => Date.parse(a.lastRaisedAt ?? a.raisedAt);

/** The live alert list: loaded once, then kept current from the alert stream (reconnecting after a drop). */
export function AlertsView({ me }) {
  const [alerts, setAlerts] = useState(() => new Map());
  const [fresh, setFresh] = useState(() => new Map());
  const [loaded, setLoaded] = useState(false);
  const [problem, setProblem] = useState(undefined);
  const [stream, setStream] = useState({ state: "connecting" });
  const [filter, setFilter] = useState({ siteId: "", severity: "", status: "active" });
  const [selected, setSelected] = useState(undefined);
  const [silencing, setSilencing] = useState(undefined);
  const [silenceVersion, setSilenceVersion] = useState(0);
  const [now, setNow] = useState(Date.now());
  const reloads = useRef(0);

  // Changes streamed while a reload is under way: applied over its answer, which may predate them.
  const streamedDuringLoad = useRef(undefined);

  const upsert = (alert, live) => {
    streamedDuringLoad.current?.push(alert);
    setAlerts((current) => new Map(current).set(alert.id, alert));
    if (live) setFresh((current) => new Map(current).set(alert.id, Date.now()));
  };

  const load = async () => {
    const run = ++reloads.current;
    streamedDuringLoad.current = [];
    try {
      // Live alerts are few and all wanted; resolved ones pile up, so they are read only when asked for
      // (the API pages in the order raised: a long history shows its first pages).
      const statuses = withResolved ? [...LIVE, "resolved"] : LIVE;
      const pages = await Promise.all(
        statuses.map((status) => allPages("/v1/alerts", { siteId: scopedSite, status }, "alerts")),
      );
      const rows = pages.flat();
      if (run !== reloads.current) return;
      const next = new Map(rows.map((a) => [a.id, a]));
      for (const alert of streamedDuringLoad.current ?? []) next.set(alert.id, alert);
      setAlerts(next);
      setProblem(undefined);
    } catch (error) {
      setProblem(error.message);
    } finally {
      if (run === reloads.current) streamedDuringLoad.current = undefined;
      setLoaded(true);
    }
  };

  // A token limited to several sites follows one at a time (the API asks it to name one).
  const scopedSite = (me.siteIds ?? []).length > 1 ? requiredSite(me, filter.siteId) : undefined;
  const withResolved = filter.status === "resolved" || filter.status === "all";

  useEffect(() => {
    let first = true;
    const follower = followEvents(`/v1/alerts/stream${query({ siteId: scopedSite })}`, {
      headers: authHeaders,
      onEvent: (event) => {
        if (event.event !== "alert") return;
        try {
          upsert(JSON.parse(event.data), true);
        } catch {
          // A malformed event is skipped; the next reload brings the list back in line.
        }
      },
      onState: (state, detail) => {
        setStream({ state, detail });
        // Whatever changed while the stream was down comes with a reload.
        if (state === "live") {
          if (!first) load();
          first = false;
        }
      },
    });
    load();
    const tick = setInterval(() => setNow(Date.now()), 5000);
    return () => {
      follower.stop();
      clearInterval(tick);
    };
  }, [scopedSite, withResolved]);

  const sites = useMemo(
    () => me.siteIds ?? [...new Set([...alerts.values()].map((a) => a.siteId))].sort(),
    [alerts, me.siteIds],
  );
  const shown = useMemo(
    () => [...alerts.values()].filter((a) => matches(a, filter)).sort((a, b) => latest(b) - latest(a)),
    [alerts, filter],
  );
  const counts = useMemo(() => {
    const c = { critical: 0, major: 0, minor: 0, warning: 0, open: 0 };
    for (const a of alerts.values()) {
      if (!LIVE.includes(a.status)) continue;
      c[a.severity] = (c[a.severity] ?? 0) + 1;
      if (a.status === "open") c.open++;
    }
    return c;
  }, [alerts]);
  const selectedAlert = selected === undefined ? undefined : alerts.get(selected);
  const set = (key) => (event) => setFilter({ ...filter, [key]: event.currentTarget.value });

  return html`
    <section class="view">
      <div class="view-head">
        <h2>Alerts</h2>
        <${StreamBadge} stream=${stream} />
      </div>
      <div class="summary">
        ${SEVERITIES.map(
          (s) =>
            html`<div class=${`stat sev-${s}`}><span class="stat-value">${counts[s]}</span><span>${label(s)}</span></div>`,
        )}
        <div class="stat"><span class="stat-value">${counts.open}</span><span>Not acknowledged</span></div>
      </div>
      <div class="filters">
        <label>Site <select value=${filter.siteId} onChange=${set("siteId")} name="site">
          ${scopedSite === undefined ? html`<option value="">All sites</option>` : null}
          ${sites.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></label>
        <label>Severity <select value=${filter.severity} onChange=${set("severity")} name="severity">
          <option value="">All</option>${SEVERITIES.map((s) => html`<option value=${s}>${label(s)}</option>`)}
        </select></label>
        <label>Status <select value=${filter.status} onChange=${set("status")} name="status">
          ${STATUSES.map((s) => html`<option value=${s}>${s === "active" ? "Not resolved" : label(s)}</option>`)}
        </select></label>
        <span class="muted grow right">${shown.length} of ${alerts.size}</span>
      </div>
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      <div class="split">
        <div class="table-wrap">
          <table class="list" data-testid="alerts">
            <thead><tr><th>Severity</th><th>Alert</th><th>Where</th><th>Raised</th><th>Status</th></tr></thead>
            <tbody>
              ${shown.map(
                (a) => html`<tr
                  key=${a.id}
                  data-alert-id=${a.id}
                  class=${`clickable${a.id === selected ? " selected" : ""}${now - (fresh.get(a.id) ?? 0) < FRESH_MS ? " fresh" : ""}`}
                  onClick=${() => setSelected(a.id)}
                  tabindex="0"
                  onKeyDown=${(e) => e.key === "Enter" && setSelected(a.id)}
                >
                  <td><span class=${`sev sev-${a.severity}`}>${a.severity}</span></td>
                  <td><div class="strong">${label(a.kind)}</div><div class="muted small">${messageText(a.message)}</div></td>
                  <td><div>${a.location ?? a.siteId}</div><div class="muted small">${a.deviceId ?? a.sku ?? ""}</div></td>
                  <td title=${a.raisedAt}>${ago(a.lastRaisedAt ?? a.raisedAt, now)}${
                    (a.occurrences ?? 1) > 1 ? html`<div class="muted small">×${a.occurrences}</div>` : null
                  }</td>
                  <td><span class=${`status st-${a.status}`}>${a.status}</span>${
                    a.acknowledgedBy === undefined ? null : html`<div class="muted small">by ${a.acknowledgedBy}</div>`
                  }</td>
                </tr>`,
              )}
              ${loaded && shown.length === 0 ? html`<tr><td colspan="5" class="empty">No alerts match.</td></tr>` : null}
            </tbody>
          </table>
        </div>
        ${
          selectedAlert === undefined
            ? html`<aside class="panel placeholder muted">Select an alert to see its timeline and act on it.</aside>`
            : html`<${AlertDetail}
              key=${selectedAlert.id}
              alert=${selectedAlert}
              me=${me}
              onChanged=${(alert) => upsert(alert, false)}
              onSilence=${roleAtLeast(me.role, "supervisor") ? () => setSilencing(selectedAlert) : undefined}
              onClose=${() => setSelected(undefined)}
            />`
        }
      </div>
      <${Silences} canEnd=${roleAtLeast(me.role, "supervisor") && me.siteIds === undefined} version=${silenceVersion} />
      ${
        silencing === undefined
          ? null
          : html`<${SilenceForm}
            alert=${silencing}
            onClose=${() => {
              setSilencing(undefined);
              setSilenceVersion((n) => n + 1);
            }}
          />`
      }
    </section>
  `;
}

function StreamBadge({ stream }) {
  const text = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", refused: "Not live" }[
    stream.state
  ];
  return html`<span class=${`live live-${stream.state}`} title=${stream.detail ?? ""} data-testid="stream-state">
    <span class="dot"></span>${text}</span>`;
}
