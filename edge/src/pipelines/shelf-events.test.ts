import type { EdgeEvent, ShelfDevice, SiteLayout } from "@tally/protocols";
import { Subject, VirtualTimeScheduler } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Observation, WeightObservation } from "../domain/observation.js";
import { ReferenceView } from "../domain/reference-view.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { DEFAULT_PIPELINE_CONFIG, edgePipeline, pipelineSettleMs } from "./edge-pipeline.js";
import { shelfEvents } from "./shelf-events.js";

const A1 = "DEMO/PICK/A1";
const A2 = "DEMO/PICK/A2";
const START_MS = Date.parse("2026-11-22T08:00:00.000Z");
const MIN = 60_000;

/** The demo site with shelf-1's settings changed (WIDGET at A1: 250 g ± 20 g; GADGET at A2: 400 g ± 25 g). */
function siteWith(shelf: Partial<ShelfDevice>, bins: Record<string, object> = {}): SiteLayout {
  const base = demoSite();
  return {
    ...base,
    devices: base.devices.map((d) =>
      d.kind === "shelf"
        ? ({
            ...d,
            transport: "mqtt",
            ...shelf,
            bins: d.bins.map((b) => ({ ...b, ...bins[b.location] })),
          } as ShelfDevice)
        : d,
    ),
  };
}

type Step = [atMs: number, input: number | ReferenceView, location?: string];

/** Plays readings (grams) and reference copies at virtual times; what came out, with the virtual time of each. */
function play(
  site: SiteLayout,
  steps: Step[],
  initial = stockReference(undefined),
): { atMs: number; event: EdgeEvent }[] {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const weights$ = new Subject<WeightObservation>();
  const reference$ = new Subject<ReferenceView>();
  const out: { atMs: number; event: EdgeEvent }[] = [];
  shelfEvents(
    indexSite(site),
    { siteId: "DEMO", newId: sequentialIds() },
    initial,
    { settleMs: 300 },
    scheduler,
  )(weights$, reference$).subscribe((event) => out.push({ atMs: scheduler.now(), event }));
  let n = 0;
  for (const [atMs, input, location] of steps) {
    scheduler.schedule(() => {
      if (typeof input === "number") {
        weights$.next({
          type: "weight",
          id: `w${n++}`,
          deviceId: "shelf-1",
          location: location ?? A1,
          grams: input,
          at: new Date(START_MS + atMs).toISOString(),
        });
      } else reference$.next(input);
    }, atMs);
  }
  scheduler.flush();
  return out;
}

/** A reference copy whose bin stock is `stock` (location, sku, units). */
function stockReference(stock: [string, string, number][] | undefined): ReferenceView {
  return new ReferenceView([], {
    items: [],
    expectedReceipts: [],
    expectedShipments: [],
    ...(stock !== undefined && { binStock: stock.map(([location, sku, units]) => ({ location, sku, units })) }),
  });
}

const kinds = (out: { event: EdgeEvent }[]) =>
  out.map(({ event: e }) =>
    e.kind === "movement"
      ? `${e.movementType} ${e.qty}`
      : e.kind === "task"
        ? e.taskType
        : e.kind === "condition"
          ? `${e.conditionType} ${e.state}`
          : e.kind,
  );

/** `count` readings from `fromMs`, one each `stepMs`, from `grams(i)`. */
const series = (
  fromMs: number,
  count: number,
  stepMs: number,
  grams: (i: number) => number,
  location?: string,
): Step[] => Array.from({ length: count }, (_, i): Step => [fromMs + i * stepMs, grams(i), location]);

const plain = siteWith({});

describe("shelfEvents: settling", () => {
  it("reads a settled drop of whole units as a PICK 300 ms after the last change, with the readings as evidence", () => {
    const out = play(plain, [
      [0, 2500],
      [1000, 1750],
    ]);
    expect(kinds(out)).toEqual(["PICK 3"]);
    expect(out[0]?.atMs).toBe(1300);
    expect(out[0]?.event).toMatchObject({
      sku: "WIDGET",
      from: A1,
      occurredAt: "2026-11-22T08:00:01.000Z",
      evidence: { deviceId: "shelf-1", observationIds: ["w0", "w1"] },
    });
  });

  it("settles noise that never stops, as long as it stays within the tolerance", () => {
    // A reading every 50 ms, ±8 g around 2500 g and then around 2000 g, without a pause.
    const noise = (i: number) => (i % 2 === 0 ? 8 : -8);
    const out = play(plain, [
      ...series(0, 20, 50, (i) => 2500 + noise(i)),
      ...series(1000, 40, 50, (i) => 2000 + noise(i)),
    ]);
    expect(kinds(out)).toEqual(["PICK 2"]);
    // Settled while readings kept coming: 300 ms after the run at 2000 g began.
    expect(out[0]?.atMs).toBe(1300);
  });

  it("does not settle a steady ramp, and counts once it stops", () => {
    // 40 g every 50 ms from 2500 g: beyond the 20 g band every reading; then it stops at 1700 g.
    const out = play(plain, [[0, 2500], ...series(1000, 21, 50, (i) => 2500 - i * 40)]);
    // 2500 − 20·40 = 1700 g: 3.2 units, not whole — but only once, after the ramp ended.
    expect(kinds(out)).toEqual(["WEIGHT_NOT_WHOLE_UNITS"]);
    expect(out[0]?.atMs).toBe(1000 + 20 * 50 + 300);
  });

  it("keeps bins apart", () => {
    const out = play(plain, [
      [0, 2500],
      [0, 1600, A2],
      [1000, 2250],
      [1000, 1200, A2],
    ]);
    expect(out.map(({ event: e }) => (e.kind === "movement" ? [e.sku, e.qty, e.from] : e.kind))).toEqual([
      ["WIDGET", 1, A1],
      ["GADGET", 1, A2],
    ]);
  });

  it("ignores readings of bins the site file does not list", () => {
    expect(
      play(plain, [
        [0, 2500, "DEMO/PICK/ZZ"],
        [1000, 0, "DEMO/PICK/ZZ"],
      ]),
    ).toEqual([]);
  });
});

describe("shelfEvents: units", () => {
  it("opens a task with the measured weight for a change that is not whole units", () => {
    const out = play(plain, [
      [0, 2500],
      [1000, 2380],
    ]);
    expect(kinds(out)).toEqual(["WEIGHT_NOT_WHOLE_UNITS"]);
    expect(out[0]?.event).toMatchObject({ location: A1, sku: "WIDGET", detail: expect.stringContaining("-120.0 g") });
  });

  it("raises no task for a change that is not whole units when the shelf's checks.wholeUnits is off; whole units still move", () => {
    const out = play(siteWith({ checks: { wholeUnits: false } }), [
      [0, 2500],
      [1000, 2380],
      [2000, 2130],
    ]);
    // 2500 → 2380 g is not whole units: nothing. 2380 → 2130 g is one WIDGET (250 g): a PICK.
    expect(kinds(out)).toEqual(["PICK 1"]);
  });

  it("reads a rise of whole units as a PUTAWAY from the shelf's replenishFrom into the bin", () => {
    const out = play(siteWith({ replenishFrom: "DEMO/DOCK/D1" }), [
      [0, 500],
      [1000, 1500],
    ]);
    expect(kinds(out)).toEqual(["PUTAWAY 4"]);
    expect(out[0]?.event).toMatchObject({ sku: "WIDGET", from: "DEMO/DOCK/D1", to: A1 });
  });

  it("moves nothing on a rise when the shelf names no replenishFrom (the putaway scan records it)", () => {
    expect(
      play(plain, [
        [0, 500],
        [1000, 1500],
      ]),
    ).toEqual([]);
  });

  it("does not take in what a pick leaves over: two picks of a unit and 15 g show 30 g missing", () => {
    // Each is within tolerance (15 g ≤ 20 g) of one unit, but the reference moves by whole units only.
    const out = play(plain, [
      [0, 5000],
      [1000, 4735],
      [2000, 4470],
    ]);
    expect(kinds(out)).toEqual(["PICK 1", "WEIGHT_NOT_WHOLE_UNITS"]);
    expect(out[1]?.event).toMatchObject({ detail: expect.stringContaining("-30.0 g left over") });
  });
});

describe("shelfEvents: count mismatch", () => {
  const graceSite = siteWith({ mismatchGraceS: 600 });

  it("reports a disagreement that lasts the grace once, with both figures, and not again", () => {
    const initial = stockReference([[A1, "WIDGET", 12]]);
    const out = play(
      graceSite,
      [
        [0, 2500],
        [20 * MIN, stockReference([[A1, "WIDGET", 12]])],
      ],
      initial,
    );
    expect(kinds(out)).toEqual(["COUNT_MISMATCH"]);
    expect(out[0]?.atMs).toBe(300 + 10 * MIN);
    expect(out[0]?.event).toMatchObject({
      location: A1,
      sku: "WIDGET",
      detail: "shelf shelf-1 weighs 10 units of WIDGET; the ledger has 12",
      // The reading the shelf's count rests on.
      evidence: { deviceId: "shelf-1", observationIds: ["w0"] },
    });
  });

  it("says nothing when the ledger catches up within the grace", () => {
    const initial = stockReference([[A1, "WIDGET", 12]]);
    expect(
      play(
        graceSite,
        [
          [0, 2500],
          [5 * MIN, stockReference([[A1, "WIDGET", 10]])],
        ],
        initial,
      ),
    ).toEqual([]);
  });

  it("starts the grace again after the shelf's own movement, while the ledger takes it", () => {
    // The ledger says 10 and the shelf agrees; a pick of 2 at 1 s; the ledger's copy still says 10 for 9 min.
    const initial = stockReference([[A1, "WIDGET", 10]]);
    const out = play(
      graceSite,
      [
        [0, 2500],
        [1000, 2000],
        [9 * MIN, stockReference([[A1, "WIDGET", 8]])],
      ],
      initial,
    );
    expect(kinds(out)).toEqual(["PICK 2"]);
  });

  it("waits while a change is settling, and a new disagreement is reported again", () => {
    const initial = stockReference([[A1, "WIDGET", 12]]);
    const out = play(
      graceSite,
      [
        [0, 2500],
        // A hand on the bin at 9 min: the grace starts again from when it settles.
        ...series(9 * MIN, 20, 50, (i) => 2500 + i * 100),
        [9 * MIN + 1000, 2500],
        // The ledger's figure changes: another disagreement, reported after its own grace.
        [30 * MIN, stockReference([[A1, "WIDGET", 11]])],
      ],
      initial,
    );
    expect(out.map((o) => [kinds([o])[0], o.atMs])).toEqual([
      ["COUNT_MISMATCH", 9 * MIN + 1000 + 10 * MIN],
      ["COUNT_MISMATCH", 40 * MIN],
    ]);
  });

  it("reports nothing while no copy of the ledger's stock has come since the shelf's own movement (offline)", () => {
    // The cached copy says 10 and nothing newer comes: the pick never reached the ledger, or its copy.
    const initial = stockReference([[A1, "WIDGET", 10]]);
    expect(
      kinds(
        play(
          graceSite,
          [
            [0, 2500],
            [1000, 2000],
            [5 * 60 * MIN, 2000],
          ],
          initial,
        ),
      ),
    ).toEqual(["PICK 2"]);
    // Back online after an hour, a copy still saying 10 comes before the pick is sent: the grace runs from it.
    const back = play(
      graceSite,
      [
        [0, 2500],
        [1000, 2000],
        [60 * MIN, stockReference([[A1, "WIDGET", 10]])],
        [61 * MIN, stockReference([[A1, "WIDGET", 8]])],
      ],
      initial,
    );
    expect(kinds(back)).toEqual(["PICK 2"]);
    // A copy after the pick that still says 10 when the grace is over: reported.
    const out = play(
      graceSite,
      [
        [0, 2500],
        [1000, 2000],
        [60 * MIN, stockReference([[A1, "WIDGET", 10]])],
      ],
      initial,
    );
    expect(out.map((o) => [kinds([o])[0], o.atMs])).toEqual([
      ["PICK 2", 1300],
      ["COUNT_MISMATCH", 70 * MIN],
    ]);
  });

  it("reports a refill nobody recorded on a shelf without replenishFrom: the rise is not the shelf's to send", () => {
    // The ledger's copy (10) does not change, so no new copy comes; the shelf sent nothing for the rise.
    const initial = stockReference([[A1, "WIDGET", 10]]);
    const out = play(
      graceSite,
      [
        [0, 2500],
        [1000, 3500],
      ],
      initial,
    );
    expect(out.map((o) => [kinds([o])[0], o.atMs])).toEqual([["COUNT_MISMATCH", 1300 + 10 * MIN]]);
    expect(out[0]?.event).toMatchObject({ detail: expect.stringContaining("14 units of WIDGET; the ledger has 10") });
  });

  it("compares nothing without bin stock from the cloud", () => {
    expect(
      play(
        graceSite,
        [
          [0, 2500],
          [60 * MIN, 2500],
        ],
        stockReference(undefined),
      ),
    ).toEqual([]);
  });

  it("counts a bin the ledger does not list as 0 units", () => {
    const out = play(graceSite, [[0, 500]], stockReference([]));
    expect(out.map((o) => o.event)).toEqual([expect.objectContaining({ taskType: "COUNT_MISMATCH" })]);
    expect(out[0]?.event).toMatchObject({ detail: expect.stringContaining("2 units of WIDGET; the ledger has 0") });
  });

  it("subtracts the tare: 1 kg of empty bin and 2.5 kg on it are 10 units", () => {
    const site = siteWith({ mismatchGraceS: 600 }, { [A1]: { tareG: 1000 } });
    expect(play(site, [[0, 3500]], stockReference([[A1, "WIDGET", 10]]))).toEqual([]);
  });
});

describe("shelfEvents: load-cell faults", () => {
  it("raises out-of-range above the capacity, moves nothing, and clears when a reading settles back in range", () => {
    const site = siteWith({}, { [A1]: { capacityG: 5000 } });
    const out = play(site, [
      [0, 2500],
      [1000, 9000],
      [2000, 2250],
    ]);
    expect(kinds(out)).toEqual(["LOAD_CELL_FAULT raised", "LOAD_CELL_FAULT cleared", "PICK 1"]);
    expect(out[0]?.event).toMatchObject({
      key: "LOAD_CELL_FAULT:out-of-range:shelf-1#0",
      location: A1,
      value: 9000,
      limit: 5000,
      unit: "g",
    });
  });

  it("raises negative below −tolerance after tare, and moves nothing while it lasts", () => {
    const site = siteWith({}, { [A1]: { tareG: 1000 } });
    const out = play(site, [
      [0, 3500],
      [1000, 500],
      [2000, 700],
      [3000, 3250],
    ]);
    expect(kinds(out)).toEqual(["LOAD_CELL_FAULT raised", "LOAD_CELL_FAULT cleared", "PICK 1"]);
    expect(out[0]?.event).toMatchObject({ key: "LOAD_CELL_FAULT:negative:shelf-1#0", value: -500, limit: -20 });
  });

  it("raises stuck after five identical readings over stuckAfterS, and clears at the first that differs", () => {
    const site = siteWith({ stuckAfterS: 60 });
    const out = play(site, [...series(0, 8, 20_000, () => 2500), [200_000, 2250]]);
    expect(out.map((o) => [kinds([o])[0], o.atMs])).toEqual([
      ["LOAD_CELL_FAULT raised", 80_000],
      ["LOAD_CELL_FAULT cleared", 200_000],
      ["PICK 1", 200_300],
    ]);
    expect(out[0]?.event).toMatchObject({ key: "LOAD_CELL_FAULT:stuck:shelf-1#0" });
  });

  it("judges stuck on the cell's clock: readings taken 20 s apart that arrive in one burst are still stuck", () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const weights$ = new Subject<WeightObservation>();
    const out: EdgeEvent[] = [];
    shelfEvents(
      indexSite(siteWith({ stuckAfterS: 60 })),
      { siteId: "DEMO", newId: sequentialIds() },
      stockReference(undefined),
      { settleMs: 300 },
      scheduler,
    )(weights$, new Subject<ReferenceView>()).subscribe((event) => out.push(event));
    // Eight readings measured 20 s apart (140 s of the cell's time), all delivered within 80 ms of the edge's.
    for (let i = 0; i < 8; i++) {
      scheduler.schedule(() => {
        const at = new Date(START_MS + i * 20_000).toISOString();
        weights$.next({ type: "weight", id: `w${i}`, deviceId: "shelf-1", location: A1, grams: 2500, at });
      }, i * 10);
    }
    scheduler.flush();
    expect(out.filter((e) => e.kind === "condition")).toEqual([
      expect.objectContaining({ key: "LOAD_CELL_FAULT:stuck:shelf-1#0", state: "raised" }),
    ]);
  });

  it("does not check for stuck cells unless the shelf asks (whole-gram cells repeat on a quiet bin)", () => {
    expect(
      play(
        plain,
        series(0, 100, 60_000, () => 2500),
      ),
    ).toEqual([]);
  });
});

describe("shelfEvents: hostile readings", () => {
  it("reads the largest reading a message may carry as units when the bin has no capacity", () => {
    // 10 000 000 g of 250 g units: 40 000, within the ledger's limit; no replenishFrom, so the rise moves
    // nothing and the drop back is a PICK of all of them.
    const site = siteWith({}, {});
    const out = play(site, [
      [0, 0],
      [1000, 10_000_000],
      [2000, 0],
    ]);
    expect(kinds(out)).toEqual(["PICK 40000"]);
  });

  it("settles nothing from readings that swing across the whole range, and raises each fault once", () => {
    const site = siteWith({}, { [A1]: { capacityG: 5000 } });
    const out = play(site, [[0, 2500], ...series(1000, 200, 10, (i) => (i % 2 === 0 ? 10_000_000 : -1_000_000))]);
    // The last reading (−1 000 000 g) settles: within the capacity, so that fault clears; still negative.
    expect(out.map((o) => (o.event.kind === "condition" ? `${o.event.key} ${o.event.state}` : o.event.kind))).toEqual([
      "LOAD_CELL_FAULT:out-of-range:shelf-1#0 raised",
      "LOAD_CELL_FAULT:negative:shelf-1#0 raised",
      "LOAD_CELL_FAULT:out-of-range:shelf-1#0 cleared",
    ]);
  });

  it("survives readings of extreme sizes as numbers (no NaN, no Infinity in events)", () => {
    const out = play(plain, [
      [0, 1e-9],
      [1000, -1_000_000],
      [2000, 10_000_000],
    ]);
    for (const { event } of out) expect(JSON.stringify(event)).not.toMatch(/NaN|Infinity|null/);
  });
});

describe("shelves in the edge pipeline", () => {
  it("routes weights to the shelf pipeline, with the shelf's own settle time and the reference updates", () => {
    // No fusion window and an open shipment of WIDGET: the drop is an unscanned pick at once (fusion has its own tests).
    const site = siteWith({ settleMs: 2000, mismatchGraceS: 60, fusionWindowS: 0 });
    const initialReference = new ReferenceView([], {
      items: [],
      expectedReceipts: [],
      expectedShipments: [
        { id: "S1", siteId: "DEMO", dock: "DEMO/DOCK/D1", status: "open", lines: [{ sku: "WIDGET", qty: 5 }] },
      ],
    });
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const observations$ = new Subject<Observation>();
    const reference$ = new Subject<ReferenceView>();
    const out: { atMs: number; event: EdgeEvent }[] = [];
    edgePipeline(
      { observations$, reference$, initialReference },
      indexSite(site),
      { siteId: "DEMO", newId: sequentialIds() },
      DEFAULT_PIPELINE_CONFIG,
      scheduler,
    ).subscribe((event) => out.push({ atMs: scheduler.now(), event }));
    const weigh = (atMs: number, grams: number) =>
      scheduler.schedule(
        () =>
          observations$.next({
            type: "weight",
            id: `w${atMs}`,
            deviceId: "shelf-1",
            location: A1,
            grams,
            at: new Date(START_MS + atMs).toISOString(),
          }),
        atMs,
      );
    weigh(0, 2500);
    weigh(5000, 2000);
    scheduler.schedule(() => reference$.next(stockReference([[A1, "WIDGET", 10]])), 10_000);
    scheduler.flush();
    // (Device silence has its own say about the quiet devices of the site.)
    const shelfOut = out.filter((o) => o.event.kind === "movement" || o.event.kind === "task");
    expect(shelfOut.map((o) => [kinds([o])[0], o.atMs])).toEqual([
      ["PICK 2", 7000],
      ["COUNT_MISMATCH", 70_000],
    ]);
    // The edge waits for the slowest shelf to settle before it calls itself drained.
    expect(pipelineSettleMs(DEFAULT_PIPELINE_CONFIG, site) - pipelineSettleMs(DEFAULT_PIPELINE_CONFIG)).toBe(1700);
  });
});
