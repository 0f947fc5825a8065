import type { Device, ExpectedLine } from "@tally/protocols";
import { invalid, type OpenDocument, type PlanState, reach } from "./plan-state.js";
import type { DocumentStep, ExpectedDocument } from "./scenario.js";

export const linesOf = (d: ExpectedDocument): ExpectedLine[] =>
  d.kind === "receipt" ? d.receipt.lines : d.shipment.lines;

const idOf = (d: ExpectedDocument): string => `${d.kind}\u0000${d.kind === "receipt" ? d.receipt.id : d.shipment.id}`;

/** Units of `sku` an open document still expects. */
export const remaining = (doc: Pick<OpenDocument, "document" | "seen">, sku: string): number =>
  linesOf(doc.document)
    .filter((l) => l.sku === sku)
    .reduce((n, l) => n + l.qty, 0) - (doc.seen.get(sku) ?? 0);

/**
 * An expected receipt or shipment opens or closes. A receipt closed short
 * of a line is a MISSING_EXPECTED task at its dock (else the first inbound
 * dock). Throws on a document opened twice, closed unopened, or naming an
 * unknown dock or SKU.
 */
export function planDocumentStep(state: PlanState, step: DocumentStep, where: string): void {
  const { openDocs, documents } = state;
  const doc = step.document;
  const key = idOf(doc);
  reach(state, step.at);
  if (step.action === "open") {
    if (openDocs.has(key) || documents.some((d) => idOf(d.document) === key)) {
      throw invalid(`${where}: expected ${doc.kind} ${key.split("\u0000")[1]} is opened twice`);
    }
    const dock = doc.kind === "receipt" ? doc.receipt.dock : doc.shipment.dock;
    if (dock !== undefined && !state.locations.has(dock)) throw invalid(`${where}: unknown dock ${dock}`);
    for (const line of linesOf(doc)) if (!state.items.has(line.sku)) throw invalid(`${where}: unknown sku ${line.sku}`);
    openDocs.set(key, { document: doc, seen: new Map(), entry: documents.length });
    documents.push({ document: doc, openMs: step.at });
    return;
  }
  const open = openDocs.get(key);
  if (open === undefined) throw invalid(`${where}: expected ${doc.kind} ${key.split("\u0000")[1]} is not open`);
  openDocs.delete(key);
  const entry = documents[open.entry];
  if (entry !== undefined) entry.closeMs = step.at;
  if (open.document.kind !== "receipt") return;
  const receipt = open.document.receipt;
  for (const sku of new Set(receipt.lines.map((l) => l.sku))) {
    const short = remaining(open, sku);
    if (short <= 0) continue;
    state.tasks.push({
      taskType: "MISSING_EXPECTED",
      location: receipt.dock ?? firstInboundDock(state),
      sku,
      atMs: step.at,
      detail: `receipt ${receipt.id} closed ${short} × ${sku} short`,
    });
  }
}

/** Where a receipt with no dock is missed: the first inbound portal's dock, else the site's first location. */
function firstInboundDock({ site }: PlanState): string {
  return (
    site.devices.find(
      (d): d is Extract<Device, { kind: "rfid-portal" }> => d.kind === "rfid-portal" && d.direction === "inbound",
    )?.location ??
    site.locations[0]?.code ??
    ""
  );
}
