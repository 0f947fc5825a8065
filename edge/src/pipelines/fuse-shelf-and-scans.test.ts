import type { Condition, CorrectionTask, EdgeEvent, Movement, ShelfDevice, SiteLayout } from "@tally/protocols";
import { Subject, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import { FUSION_CONFIDENCE } from "../domain/fusion-rules.js";
import { MAX_PENDING_PER_KEY } from "../domain/fusion-window.js";
import type { Observation } from "../domain/observation.js";
import { ReferenceView, siteOnlyReference } from "../domain/reference-view.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { DEFAULT_PIPELINE_CONFIG, edgePipeline } from "./edge-pipeline.js";
import { fuseShelfAndScans } from "./fuse-shelf-and-scans.js";

const A1 = "DEMO/PICK/A1";
const A2 = "DEMO/PICK/A2";
const DOCK = "DEMO/DOCK/D1";
const START_MS = Date.parse("2026-11-22T08:00:00.000Z");

function siteWith(shelf: Partial<ShelfDevice> = {}): SiteLayout {
  const base = demoSite();
  return {
    ...base,
    // The demo's shelf is picked without scanning (`allow`): these tests check drops by default.
    devices: base.devices.map((d) =>
      d.kind === "shelf" ? ({ ...d, transport: "mqtt", unscannedPicks: "suspect", ...shelf } as ShelfDevice) : d,
    ),
  };
}

const noOrders = new ReferenceView([], { items: [], expectedReceipts: [], expectedShipments: [] });
const ordersOf = (sku: string) =>
  new ReferenceView([], {
    items: [],
    expectedReceipts: [],
    expectedShipments: [{ id: "S1", siteId: "DEMO", dock: DOCK, status: "open", lines: [{ sku, qty: 5 }] }],
  });

let n = 0;
/** A movement as the scan pipeline sends it: scanner-1, operator op-7, confidence 1. */
function scanned(type: "PICK" | "PUTAWAY", qty: number, location = A1, sku = "WIDGET", from = DOCK): Movement {
  n++;
  return {
    kind: "movement",
    id: `00000000-0000-7000-9000-${String(n).padStart(12, "0")}`,
    siteId: "DEMO",
    movementType: type,
    occurredAt: "2026-11-22T08:00:00.000Z",
    sku,
    qty,
    ...(type === "PICK" ? { from: location } : { from, to: location }),
    lot: "L1",
    evidence: { deviceId: "scanner-1", observationIds: [`scan-${n}`], operatorId: "op-7" },
    confidence: 1,
  };
}

/** A movement as the shelf pipeline sends it: units < 0 a drop (PICK), > 0 a rise (PUTAWAY, `from` when given). */
function weighed(units: number, location = A1, sku = "WIDGET", from?: string): Movement {
  n++;
  return {
    kind: "movement",
    id: `00000000-0000-7000-a000-${String(n).padStart(12, "0")}`,
    siteId: "DEMO",
    movementType: units < 0 ? "PICK" : "PUTAWAY",
    occurredAt: "2026-11-22T08:00:01.000Z",
    sku,
    qty: Math.abs(units),
    ...(units < 0 ? { from: location } : { to: location, ...(from !== undefined && { from }) }),
    evidence: { deviceId: "shelf-1", observationIds: [`w-${n}a`, `w-${n}b`] },
    confidence: 0.95,
  };
}

type Input = [atMs: number, side: "scan" | "shelf" | "reference", event: EdgeEvent | ReferenceView];

/** Plays events into the stage at virtual times; what came out, with the virtual time of each. */
function play(steps: Input[], site = siteWith(), initial = noOrders): { atMs: number; event: EdgeEvent }[] {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const scans$ = new Subject<EdgeEvent>();
  const shelf$ = new Subject<EdgeEvent>();
  const reference$ = new Subject<ReferenceView>();
  const out: { atMs: number; event: EdgeEvent }[] = [];
  fuseShelfAndScans(
    indexSite(site),
    { siteId: "DEMO", newId: sequentialIds() },
    initial,
    10_000,
    scheduler,
  )(scans$, shelf$, reference$).subscribe((event) => out.push({ atMs: scheduler.now(), event }));
  for (const [atMs, side, input] of steps)
    scheduler.schedule(() => {
      if (input instanceof ReferenceView) reference$.next(input);
      else (side === "scan" ? scans$ : shelf$).next(input);
    }, atMs);
  scheduler.flush();
  return out;
}

const movements = (out: { event: EdgeEvent }[]) =>
  out.flatMap(({ event }) => (event.kind === "movement" ? [event] : []));
const tasks = (out: { event: EdgeEvent }[]) => out.flatMap(({ event }) => (event.kind === "task" ? [event] : []));
const conditions = (out: { event: EdgeEvent }[]) =>
  out.flatMap(({ event }) => (event.kind === "condition" ? [event] : []));
const summary = (out: { atMs: number; event: EdgeEvent }[]) =>
  out.map(({ atMs, event: e }) => [
    e.kind === "movement"
      ? `${e.movementType} ${e.qty} ${(e.evidence.sources ?? []).join("+")} ${e.confidence}`
      : e.kind === "task"
        ? e.taskType
        : e.kind === "condition"
          ? e.conditionType
          : e.kind,
    atMs,
  ]);

describe("fuseShelfAndScans: a scan and a shelf change of one bin", () => {
  it("a scanned pick, then the bin's drop: one PICK with both as evidence and more confidence than either", () => {
    const scan = scanned("PICK", 2);
    const drop = weighed(-2);
    const out = play([
      [0, "scan", scan],
      [2000, "shelf", drop],
    ]);
    expect(summary(out)).toEqual([["PICK 2 scan+shelf 1", 2000]]);
    const [m] = movements(out);
    expect(m?.evidence).toEqual({
      deviceId: "scanner-1",
      operatorId: "op-7",
      observationIds: [...scan.evidence.observationIds, ...drop.evidence.observationIds],
      sources: ["scan", "shelf"],
      deviceIds: ["scanner-1", "shelf-1"],
    });
    expect(m?.confidence).toBeGreaterThan(Math.max(scan.confidence * FUSION_CONFIDENCE.scanOnly, drop.confidence));
    // The scan's word on everything but the units: its lot, time and bin.
    expect(m).toMatchObject({ from: A1, lot: "L1", occurredAt: scan.occurredAt, sku: "WIDGET" });
  });

  it("the bin's drop, then the scanned pick: the same one PICK", () => {
    const out = play([
      [0, "shelf", weighed(-1)],
      [9_000, "scan", scanned("PICK", 1)],
    ]);
    expect(summary(out)).toEqual([["PICK 1 scan+shelf 1", 9_000]]);
  });

  it("a scanned putaway and the destination bin's rise (a shelf without replenishFrom): one PUTAWAY from the scan's source", () => {
    const out = play([
      [0, "shelf", weighed(3)],
      [1000, "scan", scanned("PUTAWAY", 3, A1, "WIDGET", DOCK)],
    ]);
    expect(summary(out)).toEqual([["PUTAWAY 3 scan+shelf 1", 1000]]);
    expect(movements(out)[0]).toMatchObject({ from: DOCK, to: A1 });
  });

  it("the window is half-open: 9 999 ms apart fuse, 10 000 ms apart do not", () => {
    expect(
      summary(
        play([
          [0, "shelf", weighed(-1)],
          [9_999, "scan", scanned("PICK", 1)],
        ]),
      ),
    ).toEqual([["PICK 1 scan+shelf 1", 9_999]]);
    expect(
      summary(
        play([
          [0, "scan", scanned("PICK", 1)],
          [10_000, "shelf", weighed(-1)],
        ]),
      ),
    ).toEqual([
      ["PICK 1 scan 0.9", 10_000],
      ["SCAN_WITHOUT_SHELF_CHANGE", 10_000],
      ["SUSPECTED_THEFT", 20_000],
      ["ADJUSTMENT 1 shelf 0.5", 20_000],
    ]);
  });

  it("a shelf's own fusionWindowS wins over the default; 0 decides each at once", () => {
    const wide = siteWith({ fusionWindowS: 30 });
    expect(
      summary(
        play(
          [
            [0, "scan", scanned("PICK", 1)],
            [25_000, "shelf", weighed(-1)],
          ],
          wide,
        ),
      ),
    ).toEqual([["PICK 1 scan+shelf 1", 25_000]]);
    const none = siteWith({ fusionWindowS: 0 });
    expect(
      summary(
        play(
          [
            [0, "scan", scanned("PICK", 1)],
            [1, "shelf", weighed(-1)],
          ],
          none,
        ),
      ),
    ).toEqual([
      ["PICK 1 scan 0.9", 0],
      ["SCAN_WITHOUT_SHELF_CHANGE", 0],
      ["SUSPECTED_THEFT", 1],
      ["ADJUSTMENT 1 shelf 0.5", 1],
    ]);
  });

  it("two picks of one bin in a row pair oldest first: two movements, each with its own scan", () => {
    const s1 = scanned("PICK", 1);
    const s2 = scanned("PICK", 2);
    const out = play([
      [0, "scan", s1],
      [500, "shelf", weighed(-1)],
      [3000, "scan", s2],
      [3400, "shelf", weighed(-2)],
    ]);
    expect(summary(out)).toEqual([
      ["PICK 1 scan+shelf 1", 500],
      ["PICK 2 scan+shelf 1", 3400],
    ]);
    expect(movements(out).map((m) => m.evidence.observationIds[0])).toEqual([
      s1.evidence.observationIds[0],
      s2.evidence.observationIds[0],
    ]);
  });

  it("a scan and a drop on different bins are not one movement", () => {
    const out = play([
      [0, "scan", scanned("PICK", 1, A1, "WIDGET")],
      [100, "shelf", weighed(-1, A2, "GADGET")],
    ]);
    expect(summary(out)).toEqual([
      ["PICK 1 scan 0.9", 10_000],
      ["SCAN_WITHOUT_SHELF_CHANGE", 10_000],
      ["SUSPECTED_THEFT", 10_100],
      ["ADJUSTMENT 1 shelf 0.5", 10_100],
    ]);
  });

  it("a scan and a drop of one bin but another SKU than the bin's are not one movement", () => {
    const out = play([
      [0, "scan", scanned("PICK", 1, A1, "GADGET")],
      [100, "shelf", weighed(-1)],
    ]);
    // GADGET is not what A1 weighs: its scan passes at once, as at a location without a shelf.
    expect(summary(out)).toEqual([
      ["PICK 1 scan 1", 0],
      ["SUSPECTED_THEFT", 10_100],
      ["ADJUSTMENT 1 shelf 0.5", 10_100],
    ]);
  });
});

describe("fuseShelfAndScans: one side alone", () => {
  it("a scanned pick with no change of the bin: the scan's movement stands, flagged in a task with its evidence", () => {
    const scan = scanned("PICK", 1);
    const out = play([[0, "scan", scan]]);
    expect(summary(out)).toEqual([
      ["PICK 1 scan 0.9", 10_000],
      ["SCAN_WITHOUT_SHELF_CHANGE", 10_000],
    ]);
    const [task] = tasks(out);
    expect(task).toMatchObject({ location: A1, sku: "WIDGET", evidence: { ...scan.evidence, sources: ["scan"] } });
    expect(task?.detail).toMatch(/shelf-1 weighed no change within 10 s/);
  });

  it("a shelf with checks.scanWithoutChange off: the unconfirmed scan's movement stands, with no task", () => {
    const out = play([[0, "scan", scanned("PICK", 1)]], siteWith({ checks: { scanWithoutChange: false } }));
    expect(summary(out)).toEqual([["PICK 1 scan 0.9", 10_000]]);
    // Only that check: a scan and a drop that disagree are still flagged.
    const disagree = play(
      [
        [0, "scan", scanned("PICK", 2)],
        [1000, "shelf", weighed(-1)],
      ],
      siteWith({ checks: { scanWithoutChange: false } }),
    );
    expect(tasks(disagree).map((t) => t.taskType)).toEqual(["SCAN_SHELF_QTY_MISMATCH"]);
  });

  it("a drop nobody scanned, with no open pick order: SUSPECTED_THEFT (bin, SKU, units, grams) and a low-confidence ADJUSTMENT", () => {
    const drop = weighed(-3);
    const out = play([[0, "shelf", drop]]);
    const [condition] = conditions(out);
    expect(condition).toMatchObject<Partial<Condition>>({
      conditionType: "SUSPECTED_THEFT",
      state: "raised",
      deviceId: "shelf-1",
      location: A1,
      value: 3,
      unit: "units",
    });
    expect(condition?.detail).toContain("3 × WIDGET (750.0 g) left DEMO/PICK/A1");
    expect(condition?.key).toContain(drop.id);
    expect(movements(out)).toEqual([
      expect.objectContaining({
        movementType: "ADJUSTMENT",
        from: A1,
        qty: 3,
        confidence: FUSION_CONFIDENCE.suspectedTheft,
      }),
    ]);
    expect(movements(out)[0]?.to).toBeUndefined();
  });

  it("a drop nobody scanned with an open expected shipment listing the SKU: an unscanned PICK at lower confidence", () => {
    expect(summary(play([[0, "shelf", weighed(-1)]], siteWith(), ordersOf("WIDGET")))).toEqual([
      ["PICK 1 shelf 0.7", 10_000],
    ]);
    // The latest reference data counts: an order that closed before the window ran out is no pick order.
    expect(
      summary(
        play(
          [
            [0, "shelf", weighed(-1)],
            [5000, "reference", noOrders],
          ],
          siteWith(),
          ordersOf("WIDGET"),
        ),
      ),
    ).toEqual([
      ["SUSPECTED_THEFT", 10_000],
      ["ADJUSTMENT 1 shelf 0.5", 10_000],
    ]);
    // An open shipment of another SKU is no pick order for this one.
    expect(summary(play([[0, "shelf", weighed(-1)]], siteWith(), ordersOf("GADGET")))[0]?.[0]).toBe("SUSPECTED_THEFT");
  });

  it("a drop nobody scanned on a shelf picked without scanning (unscannedPicks: allow): an unscanned PICK", () => {
    expect(summary(play([[0, "shelf", weighed(-2)]], siteWith({ unscannedPicks: "allow" })))).toEqual([
      ["PICK 2 shelf 0.7", 10_000],
    ]);
  });

  it("a rise nobody scanned: a PUTAWAY from replenishFrom when the shelf has one, else nothing", () => {
    expect(summary(play([[0, "shelf", weighed(2, A1, "WIDGET", DOCK)]]))).toEqual([["PUTAWAY 2 shelf 0.95", 10_000]]);
    expect(play([[0, "shelf", weighed(2)]])).toEqual([]);
  });

  it("a scanned putaway with no rise of the bin is flagged like a pick", () => {
    expect(summary(play([[0, "scan", scanned("PUTAWAY", 1)]]))).toEqual([
      ["PUTAWAY 1 scan 0.9", 10_000],
      ["SCAN_WITHOUT_SHELF_CHANGE", 10_000],
    ]);
  });
});

describe("fuseShelfAndScans: units that disagree", () => {
  it.each([
    ["scan first", 0, 1000],
    ["shelf first", 1000, 0],
  ])(
    "scan says 2, shelf says 3 (%s): one PICK of the shelf's 3 and a task with both readings",
    (_, scanAt, shelfAt) => {
      const out = play([
        [scanAt, "scan", scanned("PICK", 2)],
        [shelfAt, "shelf", weighed(-3)],
      ]);
      expect(summary(out)).toEqual([
        ["PICK 3 scan+shelf 0.8", 1000],
        ["SCAN_SHELF_QTY_MISMATCH", 1000],
      ]);
      const [task] = tasks(out);
      expect(task).toMatchObject<Partial<CorrectionTask>>({ location: A1, sku: "WIDGET" });
      expect(task?.detail).toContain("scanned 2 × WIDGET picked from DEMO/PICK/A1; shelf shelf-1 weighed 3 (750.0 g)");
      expect(task?.evidence.sources).toEqual(["scan", "shelf"]);
    },
  );
});

describe("fuseShelfAndScans: everything else", () => {
  it("scans where no shelf weighs pass at once and unchanged but for their source", () => {
    const receipt: Movement = { ...scanned("PICK", 1), movementType: "RECEIPT", from: undefined, to: DOCK };
    const shipFromDock = scanned("PICK", 4, DOCK);
    const out = play([
      [0, "scan", receipt],
      [0, "scan", shipFromDock],
    ]);
    expect(out.map((o) => o.atMs)).toEqual([0, 0]);
    expect(movements(out)).toEqual([
      { ...receipt, evidence: { ...receipt.evidence, sources: ["scan"] } },
      { ...shipFromDock, evidence: { ...shipFromDock.evidence, sources: ["scan"] } },
    ]);
  });

  it("tasks and conditions of either side pass unchanged", () => {
    const task: CorrectionTask = {
      kind: "task",
      id: "00000000-0000-7000-8000-00000000abcd",
      siteId: "DEMO",
      occurredAt: "2026-11-22T08:00:00.000Z",
      taskType: "COUNT_MISMATCH",
      location: A1,
      priority: "normal",
      detail: "x",
      evidence: { deviceId: "shelf-1", observationIds: [] },
    };
    expect(play([[0, "shelf", task]]).map((o) => o.event)).toEqual([task]);
  });

  it("a shelf movement of a bin the site file does not know passes, a sourceless rise of one does not", () => {
    const unknown = weighed(-1, "DEMO/SHIP/S1");
    expect(movements(play([[0, "shelf", unknown]]))).toEqual([
      { ...unknown, evidence: { ...unknown.evidence, sources: ["shelf"] } },
    ]);
    expect(play([[0, "shelf", weighed(1, "DEMO/SHIP/S1")]])).toEqual([]);
  });

  it("hostile: a huge scanned quantity against one unit weighed is one movement of the shelf's unit, flagged", () => {
    const out = play([
      [0, "scan", scanned("PICK", 1_000_000)],
      [10, "shelf", weighed(-1)],
    ]);
    expect(summary(out)).toEqual([
      ["PICK 1 scan+shelf 0.8", 10],
      ["SCAN_SHELF_QTY_MISMATCH", 10],
    ]);
  });

  it("hostile: a flood of scans on one bin keeps a bounded queue and loses none of them", () => {
    const flood = 1000;
    const steps: Input[] = Array.from({ length: flood }, (_, i): Input => [i, "scan", scanned("PICK", 1)]);
    const out = play(steps);
    // Beyond the cap the oldest are decided at once; every scan still posts, flagged.
    expect(movements(out)).toHaveLength(flood);
    expect(tasks(out)).toHaveLength(flood);
    expect(out.filter((o) => o.atMs < flood).length).toBe(2 * (flood - MAX_PENDING_PER_KEY));
  });

  it("what still waits when both inputs end is decided, not lost", () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const scans$ = new Subject<EdgeEvent>();
    const shelf$ = new Subject<EdgeEvent>();
    const out: EdgeEvent[] = [];
    let completed = false;
    fuseShelfAndScans(
      indexSite(siteWith()),
      { siteId: "DEMO", newId: sequentialIds() },
      noOrders,
      10_000,
      scheduler,
    )(scans$, shelf$).subscribe({ next: (e) => out.push(e), complete: () => (completed = true) });
    scans$.next(scanned("PICK", 1));
    scans$.complete();
    expect(out).toEqual([]);
    shelf$.complete();
    expect(completed).toBe(true);
    expect(out.map((e) => e.kind)).toEqual(["movement", "task"]);
  });
});

describe("fusion in the edge pipeline", () => {
  /** Scans and weights through the whole edge pipeline (shelf-1 over MQTT, settle 300 ms). */
  function playEdge(
    steps: [atMs: number, o: "scan-pick" | number][],
    initialReference = siteOnlyReference(demoSite().items),
  ) {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const observations$ = new Subject<Observation>();
    const out: EdgeEvent[] = [];
    edgePipeline(
      { observations$, initialReference },
      indexSite(siteWith()),
      { siteId: "DEMO", newId: sequentialIds() },
      DEFAULT_PIPELINE_CONFIG,
      scheduler,
    ).subscribe((e) => out.push(e));
    for (const [atMs, o] of steps)
      scheduler.schedule(
        () =>
          observations$.next(
            o === "scan-pick"
              ? {
                  type: "scan",
                  id: `s${atMs}`,
                  deviceId: "scanner-1",
                  gtin: "00614141000012",
                  qty: 1,
                  action: "PICK",
                  location: A1,
                  at: new Date(START_MS + atMs).toISOString(),
                  operatorId: "op-7",
                }
              : {
                  type: "weight",
                  id: `w${atMs}`,
                  deviceId: "shelf-1",
                  location: A1,
                  grams: o,
                  at: new Date(START_MS + atMs).toISOString(),
                },
          ),
        atMs,
      );
    scheduler.flush();
    return out.filter(
      (e) =>
        e.kind === "movement" || e.kind === "task" || (e.kind === "condition" && e.conditionType === "SUSPECTED_THEFT"),
    );
  }

  it("a scanned pick and the bin's drop (either order) are one movement, no longer two", () => {
    for (const steps of [
      [
        [0, 2500],
        [1000, "scan-pick"],
        [2000, 2250],
      ],
      [
        [0, 2500],
        [2000, 2250],
        [4000, "scan-pick"],
      ],
    ] as [number, "scan-pick" | number][][]) {
      const out = playEdge(steps);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({
        kind: "movement",
        movementType: "PICK",
        qty: 1,
        from: A1,
        confidence: 1,
        evidence: { sources: ["scan", "shelf"], deviceIds: ["scanner-1", "shelf-1"], operatorId: "op-7" },
      });
    }
  });

  it("a drop with no scan and no open pick order raises SUSPECTED_THEFT", () => {
    const out = playEdge([
      [0, 2500],
      [2000, 2000],
    ]);
    expect(
      out.map((e) => (e.kind === "condition" ? e.conditionType : e.kind === "movement" ? e.movementType : e.kind)),
    ).toEqual(["SUSPECTED_THEFT", "ADJUSTMENT"]);
  });
});
