import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { label, when } from "../lib/format.js";
import { html } from "../lib/html.js";
import { messageText } from "./message-text.js";

const emptyLine = (task) => ({ sku: task.sku ?? "", location: task.location, lot: "", qty: "" });

/**
 * One task and what may be done with it: assign (to me, to a name), complete
 * with an outcome (`adjusted` with stock adjustments, or `no-change`), dismiss
 * with a reason.
 */
export function TaskActions({ task, me, canWork, canDismiss, onChanged, onClose }) {
  const [mode, setMode] = useState(undefined);
  const [assignee, setAssignee] = useState("");
  const [outcome, setOutcome] = useState("adjusted");
  const [lines, setLines] = useState([emptyLine(task)]);
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const workable = task.status === "open" || task.status === "assigned" || task.status === "started";

  const post = async (action, body) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const answer = await api(`/v1/tasks/${encodeURIComponent(task.id)}/${action}`, { method: "POST", body });
      onChanged(answer.task);
      setMode(undefined);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  };

  const complete = (event) => {
    event.preventDefault();
    const text = note.trim() === "" ? {} : { note: note.trim() };
    if (outcome === "no-change") return post("complete", { outcome, ...text });
    const adjustments = lines.map((l) => ({
      sku: l.sku.trim(),
      location: l.location.trim(),
      ...(l.lot.trim() === "" ? {} : { lot: l.lot.trim() }),
      qty: Number(l.qty),
    }));
    const bad = adjustments.find((a) => a.sku === "" || a.location === "" || !Number.isInteger(a.qty) || a.qty === 0);
    if (bad !== undefined) {
      setProblem("Each adjustment needs a SKU, a location and a whole, non-zero quantity (+ found, − missing).");
      return;
    }
    return post("complete", { outcome, adjustments, ...text });
  };

  const setLine = (index, key) => (event) =>
    setLines(lines.map((l, i) => (i === index ? { ...l, [key]: event.currentTarget.value } : l)));

  return html`
    <aside class="panel" data-testid="task-detail">
      <div class="panel-head">
        <span class=${`prio prio-${task.priority}`}>${task.priority}</span>
        <h3>${label(task.taskType)}</h3>
        <button class="ghost icon" title="Close" onClick=${onClose}>×</button>
      </div>
      <p>${messageText(task.detail)}</p>
      <dl class="facts">
        <dt>Site</dt><dd>${task.siteId}</dd>
        <dt>Location</dt><dd>${task.location}</dd>
        ${task.sku === undefined ? null : html`<dt>SKU</dt><dd>${task.sku}</dd>`}
        ${task.epc === undefined ? null : html`<dt>EPC</dt><dd class="mono">${task.epc}</dd>`}
        <dt>Evidence</dt><dd>${task.evidence.deviceId}</dd>
        <dt>Created</dt><dd>${when(task.createdAt ?? task.occurredAt)}</dd>
        ${task.dueAt === undefined ? null : html`<dt>Due</dt><dd>${when(task.dueAt)}</dd>`}
        <dt>Status</dt><dd><span class=${`status st-${task.status}`}>${task.status}</span></dd>
        ${task.assignee === undefined ? null : html`<dt>Assignee</dt><dd>${task.assignee}</dd>`}
        ${
          task.outcome === undefined
            ? null
            : html`<dt>Outcome</dt><dd>${label(task.outcome.outcome)}${task.outcome.note === undefined ? "" : `: ${task.outcome.note}`}</dd>`
        }
        ${task.dismissReason === undefined ? null : html`<dt>Dismissed</dt><dd>${task.dismissReason}</dd>`}
        ${(task.adjustmentIds ?? []).length === 0 ? null : html`<dt>Adjustments</dt><dd>${task.adjustmentIds.length}</dd>`}
      </dl>
      ${
        !workable || !canWork
          ? workable
            ? html`<p class="muted small">Your role (${me.role}) can look, not work tasks.</p>`
            : null
          : mode === undefined
            ? html`<div class="row wrap">
              <button onClick=${() => post("assign", { assignee: me.name })} disabled=${busy}>Assign to me</button>
              ${task.status === "started" ? null : html`<button onClick=${() => post("start", {})} disabled=${busy}>Start</button>`}
              <button class="ghost" onClick=${() => setMode("assign")}>Assign to…</button>
              <button class="primary" onClick=${() => setMode("complete")}>Complete…</button>
              ${canDismiss ? html`<button class="ghost danger" onClick=${() => setMode("dismiss")}>Dismiss…</button>` : null}
            </div>`
            : mode === "assign"
              ? html`<form class="stack" onSubmit=${(e) => {
                  e.preventDefault();
                  post("assign", { assignee: assignee.trim() });
                }}>
                <label>Assign to <input required maxlength="100" value=${assignee} name="assignee"
                  onInput=${(e) => setAssignee(e.currentTarget.value)} placeholder="Name" /></label>
                <div class="row"><button class="primary" disabled=${busy || assignee.trim() === ""}>Assign</button>
                  <button type="button" class="ghost" onClick=${() => setMode(undefined)}>Cancel</button></div>
              </form>`
              : mode === "dismiss"
                ? html`<form class="stack" onSubmit=${(e) => {
                    e.preventDefault();
                    post("dismiss", { reason: note.trim() });
                  }}>
                  <label>Reason <textarea required maxlength="500" value=${note} name="reason"
                    onInput=${(e) => setNote(e.currentTarget.value)} placeholder="Why nothing needs doing"></textarea></label>
                  <div class="row"><button class="primary danger" disabled=${busy || note.trim() === ""}>Dismiss task</button>
                    <button type="button" class="ghost" onClick=${() => setMode(undefined)}>Cancel</button></div>
                </form>`
                : html`<form class="stack" onSubmit=${complete} data-testid="complete-form">
                  <fieldset class="row">
                    <label class="radio"><input type="radio" name="outcome" checked=${outcome === "adjusted"}
                      onChange=${() => setOutcome("adjusted")} /> Adjust stock</label>
                    <label class="radio"><input type="radio" name="outcome" checked=${outcome === "no-change"}
                      onChange=${() => setOutcome("no-change")} /> No change needed</label>
                  </fieldset>
                  ${
                    outcome !== "adjusted"
                      ? null
                      : html`<table class="mini">
                        <thead><tr><th>SKU</th><th>Location</th><th>Lot</th><th>Qty ±</th><th></th></tr></thead>
                        <tbody>${lines.map(
                          (l, i) => html`<tr>
                            <td><input value=${l.sku} name=${`sku-${i}`} onInput=${setLine(i, "sku")} required /></td>
                            <td><input value=${l.location} name=${`location-${i}`} onInput=${setLine(i, "location")} required /></td>
                            <td><input value=${l.lot} name=${`lot-${i}`} onInput=${setLine(i, "lot")} placeholder="—" /></td>
                            <td><input value=${l.qty} name=${`qty-${i}`} onInput=${setLine(i, "qty")} inputmode="numeric"
                              placeholder="-2" class="qty" required /></td>
                            <td>${
                              lines.length > 1
                                ? html`<button type="button" class="ghost icon" title="Remove"
                                  onClick=${() => setLines(lines.filter((_, j) => j !== i))}>×</button>`
                                : null
                            }</td>
                          </tr>`,
                        )}</tbody>
                      </table>
                      <div><button type="button" class="ghost small" onClick=${() => setLines([...lines, emptyLine(task)])}>
                        + Another adjustment</button></div>`
                  }
                  <label>Note <input maxlength="1000" value=${note} name="note" onInput=${(e) => setNote(e.currentTarget.value)}
                    placeholder="Optional" /></label>
                  <div class="row"><button class="primary" type="submit" disabled=${busy}>Complete task</button>
                    <button type="button" class="ghost" onClick=${() => setMode(undefined)}>Cancel</button></div>
                </form>`
      }
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
    </aside>
  `;
}
