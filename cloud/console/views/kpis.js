import { useEffect, useState } from "preact/hooks";
import { api } from "../lib/api.js";
import { number } from "../lib/format.js";
import { html } from "../lib/html.js";

/** The ledger's KPIs (over every site): record accuracy, stockouts, dock-to-stock time, below reorder point. */
export function Kpis() {
  const [kpis, setKpis] = useState(undefined);
  const [problem, setProblem] = useState(undefined);
  useEffect(() => {
    api("/v1/kpis")
      .then(setKpis)
      .catch((error) =>
        setProblem(error.status === 403 ? "KPIs cover every site; this token is limited to some." : error.message),
      );
  }, []);
  if (problem !== undefined) return html`<p class="muted small">${problem}</p>`;
  if (kpis === undefined) return null;
  const ratio = kpis.inventoryRecordAccuracy.ratio;
  const minutes = (s) => (s === null ? "—" : s < 120 ? `${number(s)} s` : `${number(s / 60, 1)} min`);
  return html`
    <div class="summary" data-testid="kpis">
      <div class="stat" title=${`${kpis.inventoryRecordAccuracy.accurate} of ${kpis.inventoryRecordAccuracy.counts} counts matched the ledger`}>
        <span class="stat-value">${ratio === null ? "—" : `${number(ratio * 100, 1)} %`}</span><span>Record accuracy</span></div>
      <div class="stat" title=${kpis.stockouts.skus.join(", ")}>
        <span class="stat-value">${kpis.stockouts.count}</span><span>Stockouts</span></div>
      <div class="stat" title=${`${kpis.dockToStock.units} units; p90 ${minutes(kpis.dockToStock.p90S)}`}>
        <span class="stat-value">${minutes(kpis.dockToStock.p50S)}</span><span>Dock to stock (median)</span></div>
      <div class="stat" title=${kpis.belowReorderPoint.positions.map((p) => `${p.sku} @ ${p.location}`).join(", ")}>
        <span class="stat-value">${kpis.belowReorderPoint.count}</span><span>Below reorder point</span></div>
    </div>
  `;
}
