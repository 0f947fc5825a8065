import { useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { label } from "../lib/format.js";
import { html } from "../lib/html.js";

const DURATIONS = [
  [30, "30 minutes"],
  [60, "1 hour"],
  [240, "4 hours"],
  [480, "8 hours"],
  [1440, "24 hours"],
];

/** Silences alerts like this one: matchers taken from it (site, kind, device or location), a duration, a comment. */
export function SilenceForm({ alert, onClose }) {
  const [scope, setScope] = useState(
    alert.deviceId !== undefined ? "device" : alert.location !== undefined ? "location" : "kind",
  );
  const [minutes, setMinutes] = useState(60);
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState(undefined);
  const [done, setDone] = useState(undefined);

  const matchers = {
    siteId: alert.siteId,
    kind: alert.kind,
    ...(scope === "device" && alert.deviceId !== undefined && { deviceId: alert.deviceId }),
    ...(scope === "location" && alert.location !== undefined && { location: alert.location }),
  };

  const submit = async (event) => {
    event.preventDefault();
    setProblem(undefined);
    try {
      const body = await api("/v1/silences", { method: "POST", body: { matchers, minutes, comment: comment.trim() } });
      setDone(body?.silence);
    } catch (error) {
      setProblem(error.message);
    }
  };

  return html`
    <div class="modal-backdrop" onClick=${(e) => e.target === e.currentTarget && onClose()}>
      <form class="modal stack" onSubmit=${submit} data-testid="silence-form">
        <h3>Silence ${label(alert.kind)}</h3>
        ${
          done !== undefined
            ? html`<p>Silenced until ${new Date(done.endsAt).toLocaleString()}.</p>
              <div class="row"><button type="button" class="primary" onClick=${onClose}>Close</button></div>`
            : html`
              <fieldset>
                <legend>Which alerts</legend>
                ${
                  alert.deviceId === undefined
                    ? null
                    : html`<label class="radio"><input type="radio" name="scope" checked=${scope === "device"}
                      onChange=${() => setScope("device")} /> This kind from device ${alert.deviceId}</label>`
                }
                ${
                  alert.location === undefined
                    ? null
                    : html`<label class="radio"><input type="radio" name="scope" checked=${scope === "location"}
                      onChange=${() => setScope("location")} /> This kind at ${alert.location}</label>`
                }
                <label class="radio"><input type="radio" name="scope" checked=${scope === "kind"}
                  onChange=${() => setScope("kind")} /> This kind anywhere at ${alert.siteId}</label>
              </fieldset>
              <label>For <select value=${minutes} onChange=${(e) => setMinutes(Number(e.currentTarget.value))}>
                ${DURATIONS.map(([m, text]) => html`<option value=${m}>${text}</option>`)}
              </select></label>
              <label>Comment <textarea required maxlength="500" value=${comment}
                onInput=${(e) => setComment(e.currentTarget.value)} placeholder="Why (shown to everyone)"></textarea></label>
              ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
              <div class="row">
                <button class="primary" type="submit" disabled=${comment.trim() === ""}>Silence</button>
                <button type="button" class="ghost" onClick=${onClose}>Cancel</button>
              </div>`
        }
      </form>
    </div>
  `;
}
