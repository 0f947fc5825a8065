import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { label, number, roleAtLeast, when } from "../lib/format.js";
import { html } from "../lib/html.js";
import { messageText } from "./message-text.js";

/** One alert: what it is, its timeline (who did what when), and the actions the role allows. */
export function AlertDetail({ alert, me, onChanged, onSilence, onClose }) {
  const [timeline, setTimeline] = useState(undefined);
  const [timelineProblem, setTimelineProblem] = useState(undefined);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(undefined);

  // Read again whenever the alert changes (an acknowledgement here or elsewhere adds to the timeline).
  useEffect(() => {
    let gone = false;
    api(`/v1/alerts/${encodeURIComponent(alert.id)}`)
      .then((body) => {
        if (gone) return;
        setTimeline(body?.timeline ?? []);
        setTimelineProblem(undefined);
      })
      .catch((error) => !gone && setTimelineProblem(error.message));
    return () => {
      gone = true;
    };
  }, [alert]);

  const act = async (action) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const body = await api(`/v1/alerts/${encodeURIComponent(alert.id)}/${action}`, {
        method: "POST",
        body: note.trim() === "" ? {} : { note: note.trim() },
      });
      setNote("");
      if (body?.alert !== undefined) onChanged(body.alert);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  };

  const canAck = roleAtLeast(me.role, "operator") && (alert.status === "open" || alert.status === "cleared");
  const canResolve = roleAtLeast(me.role, "supervisor") && alert.status !== "resolved";
  const facts = [
    ["Site", alert.siteId],
    ["Location", alert.location],
    ["Device", alert.deviceId],
    ["Edge", alert.edgeId],
    ["SKU", alert.sku],
    ["Value", alert.value === undefined ? undefined : `${number(alert.value, 1)} ${alert.unit ?? ""}`],
    ["Limit", alert.limit === undefined ? undefined : `${number(alert.limit, 1)} ${alert.unit ?? ""}`],
    ["Suggested order", alert.suggestedOrderQty],
    ["Raised", when(alert.raisedAt)],
    ["Occurrences", alert.occurrences],
    ["Escalations", alert.escalations],
    [
      "Acknowledged",
      alert.acknowledgedBy === undefined ? undefined : `${alert.acknowledgedBy}, ${when(alert.acknowledgedAt)}`,
    ],
    ["Resolved", alert.resolvedAt === undefined ? undefined : when(alert.resolvedAt)],
  ].filter(([, value]) => value !== undefined && value !== "");

  return html`
    <aside class="panel" data-testid="alert-detail">
      <div class="panel-head">
        <span class=${`sev sev-${alert.severity}`}>${alert.severity}</span>
        <h3>${label(alert.kind)}</h3>
        <button class="ghost icon" title="Close" onClick=${onClose}>×</button>
      </div>
      <p>${messageText(alert.message)}</p>
      <dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
      ${
        canAck || canResolve || onSilence !== undefined
          ? html`<div class="actions">
            ${
              canAck || canResolve
                ? html`<input type="text" placeholder="Note (optional)" value=${note} maxlength="1000"
                  onInput=${(e) => setNote(e.currentTarget.value)} />`
                : null
            }
            <div class="row">
              ${canAck ? html`<button class="primary" disabled=${busy} onClick=${() => act("acknowledge")}>Acknowledge</button>` : null}
              ${canResolve ? html`<button disabled=${busy} onClick=${() => act("resolve")}>Resolve</button>` : null}
              ${onSilence === undefined ? null : html`<button class="ghost" onClick=${onSilence}>Silence…</button>`}
            </div>
          </div>`
          : html`<p class="muted small">Your role (${me.role}) can look, not act.</p>`
      }
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      <h4>Timeline</h4>
      ${
        timelineProblem !== undefined
          ? html`<p class="muted small">Timeline not available: ${timelineProblem}</p>`
          : timeline === undefined
            ? html`<p class="muted small">Loading…</p>`
            : html`<ol class="timeline">
              ${timeline.map(
                (t) => html`<li>
                  <span class="t-action">${label(t.action)}</span> by <span class="strong">${t.by}</span>
                  <div class="muted small">${when(t.at)}</div>
                  ${t.note === undefined ? null : html`<div class="note">${t.note}</div>`}
                </li>`,
              )}
            </ol>`
      }
    </aside>
  `;
}
