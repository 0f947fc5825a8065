import { useState } from "preact/hooks";
import { api, query } from "../lib/api.js";
import { label, number, requiredSite, when } from "../lib/format.js";
import { html } from "../lib/html.js";

const MODES = [
  ["sku", "SKU"],
  ["location", "Location"],
  ["lot", "Lot"],
  ["epc", "EPC"],
];

/** "How much of X is where, and how did it get there": stock by SKU, location or lot, or one EPC's path. */
export function StockView({ me }) {
  const [mode, setMode] = useState("sku");
  const [site, setSite] = useState("");
  // A token limited to several sites searches one at a time (the API asks it to name one).
  const siteId = (me.siteIds ?? []).length > 1 ? requiredSite(me, site) : undefined;
  const [text, setText] = useState("");
  const [result, setResult] = useState(undefined);
  const [history, setHistory] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  const [busy, setBusy] = useState(false);

  const search = async (event) => {
    event?.preventDefault();
    const value = text.trim();
    setProblem(undefined);
    setHistory(undefined);
    setBusy(true);
    try {
      if (mode === "epc") {
        setResult({ kind: "serial", ...(await api(`/v1/serials/${encodeURIComponent(value)}`)) });
      } else {
        setResult({ kind: "stock", ...(await api(`/v1/stock${query({ [mode]: value, siteId, limit: 500 })}`)) });
      }
    } catch (error) {
      setResult(undefined);
      setProblem(error.status === 404 ? `Nothing found for ${value}.` : error.message);
    } finally {
      setBusy(false);
    }
  };

  const showHistory = async (position) => {
    setProblem(undefined);
    try {
      const params = {
        location: position.location,
        ...(position.lot === "" ? {} : { lot: position.lot }),
        siteId,
        limit: 200,
      };
      const body = await api(`/v1/stock/${encodeURIComponent(position.sku)}/history${query(params)}`);
      setHistory({ position, ...body });
    } catch (error) {
      setProblem(error.message);
    }
  };

  return html`
    <section class="view">
      <div class="view-head"><h2>Stock</h2></div>
      <form class="searchbar" onSubmit=${search}>
        ${
          siteId === undefined
            ? null
            : html`<select name="site" value=${siteId} onChange=${(e) => setSite(e.currentTarget.value)}>
              ${me.siteIds.map((s) => html`<option value=${s}>${s}</option>`)}
            </select>`
        }
        <div class="segmented" role="tablist">
          ${MODES.map(
            ([id, text]) => html`<button type="button" role="tab" aria-selected=${mode === id}
              class=${mode === id ? "on" : ""} onClick=${() => setMode(id)}>${text}</button>`,
          )}
        </div>
        <input type="search" name="q" value=${text} onInput=${(e) => setText(e.currentTarget.value)}
          placeholder=${mode === "location" ? "DEMO/PICK (a code or its start)" : mode === "epc" ? "urn:epc:id:sgtin:… or hex" : `Whole ${mode}, or empty for all`} />
        <button class="primary" type="submit" disabled=${busy || (mode === "epc" && text.trim() === "")}>Search</button>
      </form>
      ${problem === undefined ? null : html`<p class="error" role="alert">${problem}</p>`}
      ${result?.kind === "stock" ? html`<${Positions} result=${result} onPick=${showHistory} picked=${history?.position} />` : null}
      ${result?.kind === "serial" ? html`<${Serial} result=${result} />` : null}
      ${history === undefined ? null : html`<${History} history=${history} />`}
    </section>
  `;
}

function Positions({ result, onPick, picked }) {
  return html`
    <div class="card">
      <div class="card-head"><h3>Positions</h3>
        <span class="muted">${number(result.totalQty)} units in ${number(result.totalPositions)} ${result.totalPositions === 1 ? "position" : "positions"}</span></div>
      <table class="list" data-testid="positions">
        <thead><tr><th>SKU</th><th>Location</th><th>Lot</th><th class="num">Qty</th></tr></thead>
        <tbody>
          ${result.positions.map(
            (p) => html`<tr class=${`clickable${picked === p ? " selected" : ""}`} onClick=${() => onPick(p)}
              title="Show how it got there">
              <td class="strong">${p.sku}</td><td>${p.location}</td><td>${p.lot === "" ? "—" : p.lot}</td>
              <td class="num">${number(p.qty)}</td></tr>`,
          )}
          ${result.positions.length === 0 ? html`<tr><td colspan="4" class="empty">No stock matches.</td></tr>` : null}
        </tbody>
      </table>
      ${result.next === undefined ? null : html`<p class="muted small">First 500 positions shown; narrow the search.</p>`}
    </div>
  `;
}

function History({ history }) {
  const { position } = history;
  return html`
    <div class="card">
      <div class="card-head"><h3>How ${position.sku} got to ${position.location}</h3>
        <span class="muted">balance ${number(history.balance)}</span></div>
      <table class="list" data-testid="history">
        <thead><tr><th>When</th><th>Movement</th><th>Location</th><th>Lot</th><th class="num">Change</th><th class="num">Balance</th></tr></thead>
        <tbody>
          ${history.entries.map(
            (e) => html`<tr><td>${when(e.occurredAt)}</td><td>${label(e.movementType)}</td><td>${e.location}</td>
              <td>${e.lot === "" ? "—" : e.lot}</td>
              <td class=${`num ${e.delta < 0 ? "neg" : "pos"}`}>${e.delta > 0 ? "+" : ""}${number(e.delta)}</td>
              <td class="num">${number(e.balance)}</td></tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

function Serial({ result }) {
  const { serial, path } = result;
  return html`
    <div class="card">
      <div class="card-head"><h3 class="mono">${serial.epc}</h3><span class=${`status st-${serial.status}`}>${label(serial.status)}</span></div>
      <dl class="facts">
        <dt>SKU</dt><dd>${serial.sku}</dd>
        <dt>Location</dt><dd>${serial.location ?? "left the site"}</dd>
        <dt>Lot</dt><dd>${serial.lot === "" ? "—" : serial.lot}</dd>
        <dt>Last seen</dt><dd>${when(serial.lastSeenAt)}</dd>
      </dl>
      <h4>Path</h4>
      <table class="list" data-testid="path">
        <thead><tr><th>When</th><th>Movement</th><th>From</th><th>To</th><th>Evidence</th></tr></thead>
        <tbody>
          ${path.map(
            (m) => html`<tr><td>${when(m.occurredAt)}</td><td>${label(m.movementType)}</td><td>${m.from ?? "—"}</td>
              <td>${m.to ?? "—"}</td><td class="muted">${m.evidence?.deviceId ?? ""}</td></tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}
