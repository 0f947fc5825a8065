import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { label, when } from "../lib/format.js";
import { html } from "../lib/html.js";

function describe(matchers) {
  const parts = [matchers.siteId ?? "every site", matchers.kind === undefined ? "every kind" : label(matchers.kind)];
  if (matchers.deviceId !== undefined) parts.push(`device ${matchers.deviceId}`);
  if (matchers.location !== undefined) parts.push(matchers.location);
  return parts.join(" · ");
}

/** The silences and maintenance windows in force (read again when `version` changes); supervisors may end one now. */
export function Silences({ canEnd, version }) {
  const [silences, setSilences] = useState([]);
  const [problem, setProblem] = useState(undefined);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let gone = false;
    api("/v1/silences")
      .then((body) => !gone && setSilences(body?.silences ?? []))
      .catch((error) => !gone && setProblem(error.message));
    return () => {
      gone = true;
    };
  }, [version, reloads]);

  const end = async (id) => {
    setProblem(undefined);
    try {
      await api(`/v1/silences/${encodeURIComponent(id)}`, { method: "DELETE" });
    } catch (error) {
      setProblem(error.message);
    }
    setReloads((n) => n + 1);
  };

  if (silences.length === 0 && problem === undefined) return null;
  return html`
    <div class="card" data-testid="silences">
      <div class="card-head"><h3>Silenced</h3><span class="muted">${silences.length} in force</span></div>
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      <table class="list">
        <thead><tr><th>Which alerts</th><th>Until</th><th>By</th><th>Why</th>${canEnd ? html`<th></th>` : null}</tr></thead>
        <tbody>
          ${silences.map(
            (s) => html`<tr key=${s.id} data-silence-id=${s.id}>
              <td>${describe(s.matchers)}${s.exceptCritical ? html`<div class="muted small">maintenance: critical alerts still go through</div>` : null}</td>
              <td>${when(s.endsAt)}</td><td>${s.createdBy}</td><td>${s.comment}</td>
              ${canEnd ? html`<td class="right"><button class="ghost small" onClick=${() => end(s.id)}>End now</button></td>` : null}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
