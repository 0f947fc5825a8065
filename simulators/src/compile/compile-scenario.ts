import type { ScenarioFault, ScenarioFile, ScenarioFlow, SiteLayout } from "@tally/protocols";
import { MinHeap } from "../min-heap.js";
import type { Scenario } from "../scenario.js";
import { type CompileContext, createCompileContext, invalid } from "./context.js";
import { applyPortalFault } from "./faults-portal.js";
import { applyStockFault } from "./faults-stock.js";
import { applyTemperatureFault } from "./faults-temperature.js";
import { compileInboundTruck } from "./flow-inbound.js";
import { compileReturn, compileShipment, compileTransfer } from "./flow-outbound.js";
import {
  checkReplenishment,
  compileCycleCount,
  compilePick,
  compileReplenish,
  type ReplenishmentFlow,
  replenishmentsDue,
} from "./flows-shelf.js";
import type { RecordFault } from "./record-fault.js";
import {
  checkReaderQuirks,
  compileScriptedSteps,
  compileTemperatureProfiles,
  temperatureSensors,
} from "./scripted-steps.js";

export interface CompileOptions {
  /**
   * Multiplies the counts of every flow (trucks, shipments, picks, returns,
   * counts; at least 1 each), for smaller runs of a big scenario. Default 1.
   */
  scale?: number;
}

/** What happens when: flows and faults become these, processed in time order against the true stock. */
type Intent =
  | { at: number; order: number; kind: "flow"; flow: ScenarioFlow; i: number }
  | { at: number; order: number; kind: "fault"; fault: ScenarioFault }
  | { at: number; order: number; kind: "replenish"; flow: ReplenishmentFlow; bin: string };

/**
 * Compiles a scenario file against its site into a `Scenario` (steps,
 * hardware profile, faults, ASNs). Pure and deterministic for the file's
 * seed. Flows run against the true stock, so a pick never takes what is not
 * there and returns come from what was shipped.
 */
export function compileScenario(file: ScenarioFile, site: SiteLayout, options: CompileOptions = {}): Scenario {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw invalid("scale must be > 0");
  const ctx = createCompileContext(file, site);
  compileScriptedSteps(ctx);
  compileTemperatureProfiles(ctx);
  checkReaderQuirks(ctx);
  compileIntents(ctx, scale);
  for (const p of ctx.pendingTruckFaults) throw invalid(ctx.where(`${p.fault.kind} at ${p.at} ms: no truck after it`));
  for (const w of ctx.wrongDocks) throw invalid(ctx.where(`wrong-dock at ${w.at} ms: no SSCC shipment after it`));
  const sensors = temperatureSensors(ctx);
  return {
    name: file.name,
    seed: file.seed,
    durationMs: file.duration,
    steps: ctx.steps,
    ...(Object.keys(file.hardware).length > 0 && { hardware: file.hardware }),
    ...(ctx.faults.length > 0 && { faults: ctx.faults }),
    ...(ctx.asns.length > 0 && { asns: ctx.asns }),
    ...(sensors.length > 0 && { graceS: Object.fromEntries(sensors.map((d) => [d.id, d.graceS])) }),
  };
}

/** Flows and faults, in time order against the true stock. */
function compileIntents(ctx: CompileContext, scale: number): void {
  const scaled = (n: number): number => Math.max(1, Math.round(n * scale));
  let order = 0;
  const queue = new MinHeap<Intent>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  const replenishments = ctx.file.flows.filter((f): f is ReplenishmentFlow => f.kind === "replenishment");
  const repeat = (flow: ScenarioFlow, at: number, every: number, n: number) => {
    for (let i = 0; i < scaled(n); i++) queue.push({ at: at + i * every, order: order++, kind: "flow", flow, i });
  };
  for (const flow of ctx.file.flows) {
    switch (flow.kind) {
      case "inbound":
        repeat(flow, flow.at, flow.every, flow.trucks);
        break;
      case "outbound":
        repeat(flow, flow.at, flow.every, flow.shipments);
        break;
      case "picks":
      case "returns":
      case "cycle-count":
      case "transfer":
        repeat(flow, flow.at, flow.every, flow.count);
        break;
      case "replenishment":
        checkReplenishment(ctx, flow);
        break;
    }
  }
  for (const fault of ctx.file.faults) queue.push({ at: fault.at, order: order++, kind: "fault", fault });

  for (let intent = queue.pop(); intent !== undefined; intent = queue.pop()) {
    const at = intent.at;
    if (intent.kind === "replenish") compileReplenish(ctx, intent.flow, intent.bin, at);
    else if (intent.kind === "fault") applyFault(ctx, intent.fault, at);
    else {
      const pickedBin = compileFlowStep(ctx, intent.flow, intent.i, at);
      if (pickedBin === undefined) continue;
      for (const flow of replenishmentsDue(ctx, replenishments, pickedBin))
        queue.push({ at: at + flow.after, order: order++, kind: "replenish", flow, bin: pickedBin });
    }
  }
}

/** One occurrence of a flow; returns the shelf bin an unscanned pick came from, if any. */
function compileFlowStep(ctx: CompileContext, flow: ScenarioFlow, i: number, at: number): string | undefined {
  switch (flow.kind) {
    case "inbound":
      compileInboundTruck(ctx, flow, i, at);
      return undefined;
    case "picks":
      return compilePick(ctx, flow, at);
    case "outbound":
      compileShipment(ctx, flow, at);
      return undefined;
    case "transfer":
      compileTransfer(ctx, flow, at);
      return undefined;
    case "returns":
      compileReturn(ctx, flow, at);
      return undefined;
    case "cycle-count":
      compileCycleCount(ctx, flow, i, at);
      return undefined;
    case "replenishment":
      return undefined;
  }
}

function applyFault(ctx: CompileContext, fault: ScenarioFault, at: number): void {
  const record: RecordFault = (f) => {
    ctx.faults.push({ kind: fault.kind, atMs: at, ...f });
  };
  switch (fault.kind) {
    case "freezer-door-open":
    case "temperature-spike":
    case "slow-warming":
    case "stuck-sensor":
    case "flat-battery":
      applyTemperatureFault(ctx, fault, at, record);
      return;
    case "mis-shelved":
    case "theft":
    case "mis-pick":
    case "load-cell-fault":
      applyStockFault(ctx, fault, at, record);
      return;
    case "uplink-cut":
      ctx.steps.push({ kind: "system", at, action: "uplink-cut" });
      ctx.steps.push({ kind: "system", at: at + fault.duration, action: "uplink-restore" });
      record({ endMs: at + fault.duration, detail: `uplink cut for ${fault.duration} ms`, detectedBy: [] });
      return;
    case "edge-restart":
      ctx.steps.push({ kind: "system", at, action: "edge-restart" });
      record({ detail: "edge process killed and started again", detectedBy: [] });
      return;
    default:
      applyPortalFault(ctx, fault, at, record);
  }
}
