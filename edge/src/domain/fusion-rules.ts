import type { Condition, CorrectionTask, Evidence, EvidenceSource, Movement } from "@tally/protocols";

/** Event fields before the pipeline stamps id and site. */
export type MovementDraft = Omit<Movement, "kind" | "id" | "siteId">;
type TaskDraft = Omit<CorrectionTask, "kind" | "id" | "siteId">;
type ConditionDraft = Omit<Condition, "kind" | "id" | "siteId">;

/** What one fusion decision sends on. */
export type FusionDraft =
  | { kind: "movement"; fields: MovementDraft }
  | { kind: "task"; fields: TaskDraft }
  | { kind: "condition"; fields: ConditionDraft };

/** The smart-shelf bin a movement touches, as the site file has it. */
export interface FusionBin {
  shelfId: string;
  location: string;
  sku: string;
  unitWeightG: number;
  windowMs: number;
  /** What a drop nobody scanned is when no open pick order lists its SKU (the shelf's `unscannedPicks`). */
  unscannedPicks: "suspect" | "allow";
  /** Whether a scan the shelf does not confirm raises SCAN_WITHOUT_SHELF_CHANGE (the shelf's `checks`); default yes. */
  scanWithoutChangeTask?: boolean;
}

/**
 * How sure each outcome is (0–1). Scan and shelf agreeing is the best there
 * is; either alone is weaker than both, and a shelf drop nobody scanned is
 * weaker still: the weight says units left, not that it was a pick.
 */
export const FUSION_CONFIDENCE = {
  /** A scan and the bin's weight agree on SKU, bin and units. */
  both: 1,
  /** A scan at a shelf bin whose weight did not move: the operator's word, flagged. */
  scanOnly: 0.9,
  /** A shelf rise with the shelf's own `replenishFrom` and no scan (as before fusion). */
  shelfOnly: 0.95,
  /** Scan and shelf on one bin but not on the units: the shelf's units, flagged. */
  unitsDisagree: 0.8,
  /** A shelf drop nobody scanned, with an open expected shipment listing the SKU. */
  unscannedPick: 0.7,
  /** A shelf drop nobody scanned and nothing open to pick it for: out of the bin, for a person to confirm. */
  suspectedTheft: 0.5,
} as const;

/** The evidence with `sources` stamped, when it has none: every movement says what it rests on. */
export function withSource(evidence: Evidence, source: EvidenceSource): Evidence {
  return evidence.sources === undefined ? { ...evidence, sources: [source] } : evidence;
}

/** One piece of evidence from a scan and one from a shelf: the scanner (and its operator) first. */
export function bothEvidence(scan: Evidence, shelf: Evidence): Evidence {
  return {
    ...scan,
    // Each side carries at most a few ids (a scan one, a shelf change two), far below the limit of 100.
    observationIds: [...scan.observationIds, ...shelf.observationIds].slice(0, 100),
    sources: ["scan", "shelf"],
    deviceIds: [scan.deviceId, shelf.deviceId],
  };
}

const verb = (m: Movement) => (m.movementType === "PICK" ? `picked from` : `put away into`);

/**
 * A scan and a shelf change of one bin: one movement, the scan's in
 * everything but the units, which are the shelf's. The scan's quantity is
 * typed or defaulted by a person; the weight is what left or reached the
 * bin, and the ledger's bin stock must follow the bin. A disagreement is a
 * SCAN_SHELF_QTY_MISMATCH task with both readings.
 */
export function fuse(scan: Movement, shelf: Movement, bin: FusionBin): FusionDraft[] {
  const evidence = bothEvidence(scan.evidence, shelf.evidence);
  const agree = scan.qty === shelf.qty;
  const { kind: _k, id: _i, siteId: _s, ...fields } = scan;
  const movement: FusionDraft = {
    kind: "movement",
    fields: {
      ...fields,
      qty: shelf.qty,
      evidence,
      confidence: agree ? FUSION_CONFIDENCE.both : FUSION_CONFIDENCE.unitsDisagree,
    },
  };
  if (agree) return [movement];
  return [
    movement,
    {
      kind: "task",
      fields: {
        taskType: "SCAN_SHELF_QTY_MISMATCH",
        occurredAt: scan.occurredAt,
        location: bin.location,
        sku: bin.sku,
        priority: "normal",
        detail: `scanned ${scan.qty} × ${bin.sku} ${verb(scan)} ${bin.location}; shelf ${bin.shelfId} weighed ${shelf.qty} (${formatG(shelf.qty * bin.unitWeightG)}); the movement carries the shelf's ${shelf.qty}`,
        evidence,
      },
    },
  ];
}

/**
 * A scanned PICK or PUTAWAY at a shelf bin with no change of its weight in
 * the window: the scan still posts (the operator's word), and a
 * SCAN_WITHOUT_SHELF_CHANGE task carries it for a person to check, unless
 * the shelf's `checks.scanWithoutChange` is off.
 */
export function scanAlone(scan: Movement, bin: FusionBin): FusionDraft[] {
  const evidence = withSource(scan.evidence, "scan");
  const { kind: _k, id: _i, siteId: _s, ...fields } = scan;
  const movement: FusionDraft = {
    kind: "movement",
    fields: { ...fields, evidence, confidence: Math.min(scan.confidence, FUSION_CONFIDENCE.scanOnly) },
  };
  if (bin.scanWithoutChangeTask === false) return [movement];
  return [
    movement,
    {
      kind: "task",
      fields: {
        taskType: "SCAN_WITHOUT_SHELF_CHANGE",
        occurredAt: scan.occurredAt,
        location: bin.location,
        sku: bin.sku,
        priority: "normal",
        detail: `scanned ${scan.qty} × ${bin.sku} ${verb(scan)} ${bin.location}, but shelf ${bin.shelfId} weighed no change within ${bin.windowMs / 1000} s; the scan's movement stands`,
        evidence,
      },
    },
  ];
}

/**
 * A shelf change nobody scanned. A drop with an open pick order for its SKU
 * (or of a shelf whose `unscannedPicks` is `allow`) is an unscanned PICK; without one it is a SUSPECTED_THEFT condition and an
 * ADJUSTMENT out of the bin at low confidence (decision 0168), which a
 * person confirms or reverses. A rise keeps what it did before fusion: a
 * PUTAWAY from the shelf's `replenishFrom` (it has `from`), else nothing.
 */
export function shelfAlone(shelf: Movement, bin: FusionBin, openPickOrder: boolean): FusionDraft[] {
  const evidence = withSource(shelf.evidence, "shelf");
  const { kind: _k, id: _i, siteId: _s, ...fields } = shelf;
  if (shelf.movementType !== "PICK") {
    if (shelf.from === undefined) return [];
    return [{ kind: "movement", fields: { ...fields, evidence, confidence: FUSION_CONFIDENCE.shelfOnly } }];
  }
  if (openPickOrder || bin.unscannedPicks === "allow")
    return [{ kind: "movement", fields: { ...fields, evidence, confidence: FUSION_CONFIDENCE.unscannedPick } }];
  const grams = shelf.qty * bin.unitWeightG;
  return [
    {
      kind: "condition",
      fields: {
        occurredAt: shelf.occurredAt,
        conditionType: "SUSPECTED_THEFT",
        state: "raised",
        // One episode per drop: the shelf movement's id is unique, and a theft is not cleared by a later reading.
        key: `SUSPECTED_THEFT:${bin.shelfId}:${shelf.id}`,
        deviceId: bin.shelfId,
        location: bin.location,
        value: shelf.qty,
        unit: "units",
        detail: `${shelf.qty} × ${bin.sku} (${formatG(grams)}) left ${bin.location} with no scan within ${bin.windowMs / 1000} s and no open expected shipment listing ${bin.sku}`,
      },
    },
    {
      kind: "movement",
      fields: { ...fields, movementType: "ADJUSTMENT", evidence, confidence: FUSION_CONFIDENCE.suspectedTheft },
    },
  ];
}

function formatG(grams: number): string {
  return `${grams.toFixed(1)} g`;
}
