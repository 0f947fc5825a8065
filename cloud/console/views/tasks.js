import { useEffect, useMemo, useState } from "preact/hooks";
import { allPages } from "../lib/api.js";
import { ago, label, requiredSite, roleAtLeast } from "../lib/format.js";
import { html } from "../lib/html.js";
import { messageText } from "./message-text.js";
import { TaskActions } from "./task-actions.js";

const STATUSES = ["active", "overdue", "open", "assigned", "started", "done", "dismissed", "all"];
const UNFINISHED = new Set(["open", "assigned", "started"]);
const PRIORITY = { high: 0, normal: 1, low: 2 };
const STATUS_TEXT = { active: "To do (not finished)", overdue: "Overdue" };

/** Correction tasks: list, filter by status, site and kind, and work them (assign, complete, dismiss). */
export function TasksView({ me }) {
  const [tasks, setTasks] = useState([]);
  const [loaded, setLoaded] = useState(false);
  const [problem, setProblem] = useState(undefined);
  const [filter, setFilter] = useState({ status: "active", siteId: "", kind: "" });
  const [selected, setSelected] = useState(undefined);

  // A token limited to several sites lists one at a time (the API asks it to name one).
  const scopedSite = (me.siteIds ?? []).length > 1 ? requiredSite(me, filter.siteId) : undefined;

  const load = async () => {
    try {
      // To do: each unfinished status on its own, so a long history of done tasks does not crowd them out
      // (the API pages in creation order).
      // Overdue and all are no status of the API: every status (overdue is its own query parameter).
      const everyStatus = filter.status === "overdue" || filter.status === "all";
      const statuses = filter.status === "active" ? [...UNFINISHED] : everyStatus ? [undefined] : [filter.status];
      const overdue = filter.status === "overdue" ? "true" : undefined;
      const pages = await Promise.all(
        statuses.map((status) => allPages("/v1/tasks", { status, overdue, siteId: scopedSite }, "tasks")),
      );
      setTasks(pages.flat());
      setProblem(undefined);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setLoaded(true);
    }
  };
  useEffect(() => {
    load();
  }, [filter.status, scopedSite]);

  const sites = useMemo(() => me.siteIds ?? [...new Set(tasks.map((t) => t.siteId))].sort(), [tasks, me.siteIds]);
  const kinds = useMemo(() => [...new Set(tasks.map((t) => t.taskType))].sort(), [tasks]);
  const shown = useMemo(
    () =>
      tasks
        .filter((t) => filter.status !== "active" || UNFINISHED.has(t.status))
        .filter((t) => filter.siteId === "" || t.siteId === filter.siteId)
        .filter((t) => filter.kind === "" || t.taskType === filter.kind)
        .sort(
          (a, b) =>
            (PRIORITY[a.priority] ?? 1) - (PRIORITY[b.priority] ?? 1) || b.occurredAt.localeCompare(a.occurredAt),
        ),
    [tasks, filter],
  );
  const replace = (task) => setTasks((current) => current.map((t) => (t.id === task.id ? task : t)));
  const chosen = tasks.find((t) => t.id === selected);
  const set = (key) => (event) => setFilter({ ...filter, [key]: event.currentTarget.value });

  return html`
    <section class="view">
      <div class="view-head">
        <h2>Correction tasks</h2>
        <button class="ghost" onClick=${load}>Refresh</button>
      </div>
      <div class="filters">
        <label>Status <select value=${filter.status} onChange=${set("status")} name="status">
          ${STATUSES.map((s) => html`<option value=${s}>${STATUS_TEXT[s] ?? label(s)}</option>`)}
        </select></label>
        <label>Site <select value=${filter.siteId} onChange=${set("siteId")} name="site">
          ${scopedSite === undefined ? html`<option value="">All sites</option>` : null}
          ${sites.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></label>
        <label>Kind <select value=${filter.kind} onChange=${set("kind")} name="kind">
          <option value="">All kinds</option>${kinds.map((k) => html`<option value=${k}>${label(k)}</option>`)}
        </select></label>
        <span class="muted grow right">${shown.length} shown</span>
      </div>
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      <div class="split">
        <div class="table-wrap">
          <table class="list" data-testid="tasks">
            <thead><tr><th>Priority</th><th>Task</th><th>Location</th><th>Created</th><th>Due</th><th>Status</th></tr></thead>
            <tbody>
              ${shown.map(
                (
                  t,
                ) => html`<tr key=${t.id} data-task-id=${t.id} class=${`clickable${t.id === selected ? " selected" : ""}`}
                  onClick=${() => setSelected(t.id)}
                  tabindex="0"
                  onKeyDown=${(e) => e.key === "Enter" && setSelected(t.id)}>
                  <td><span class=${`prio prio-${t.priority}`}>${t.priority}</span></td>
                  <td><div class="strong">${label(t.taskType)}</div><div class="muted small">${messageText(t.detail)}</div></td>
                  <td><div>${t.location}</div><div class="muted small">${t.sku ?? t.epc ?? ""}</div></td>
                  <td title=${t.createdAt ?? t.occurredAt}>${ago(t.createdAt ?? t.occurredAt)}</td>
                  <td><${Due} task=${t} /></td>
                  <td><span class=${`status st-${t.status}`}>${t.status}</span>${
                    t.assignee === undefined ? null : html`<div class="muted small">${t.assignee}</div>`
                  }</td>
                </tr>`,
              )}
              ${loaded && shown.length === 0 ? html`<tr><td colspan="6" class="empty">No tasks match.</td></tr>` : null}
            </tbody>
          </table>
        </div>
        ${
          chosen === undefined
            ? html`<aside class="panel placeholder muted">Select a task to work it.</aside>`
            : html`<${TaskActions} key=${chosen.id} task=${chosen} me=${me} canWork=${roleAtLeast(me.role, "operator")}
              canDismiss=${roleAtLeast(me.role, "supervisor")} onChanged=${replace} onClose=${() => setSelected(undefined)} />`
        }
      </div>
    </section>
  `;
}

/** When an unfinished task is due: "in 20 min", or "overdue" when past it. */
function Due({ task }) {
  if (task.dueAt === undefined || !UNFINISHED.has(task.status)) return html`<span class="muted">—</span>`;
  const ms = Date.parse(task.dueAt) - Date.now();
  if (ms < 0) return html`<span class="status st-overdue" title=${task.dueAt}>overdue</span>`;
  const min = Math.round(ms / 60_000);
  return html`<span title=${task.dueAt}>${min < 120 ? `in ${min} min` : `in ${Math.round(min / 60)} h`}</span>`;
}
