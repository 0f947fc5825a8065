import type { SiteLayout } from "@tally/protocols";
import { actionsOf, assertNever } from "./plan-actions.js";
import { planDocumentStep } from "./plan-documents.js";
import { planPortalPassStep } from "./plan-portal-truth.js";
import { planScanStep } from "./plan-scan-truth.js";
import { planLoadCellFaultStep, planShelfLoadStep } from "./plan-shelf-truth.js";
import { type Indexed, invalid, newPlanState, type PlanState, reach } from "./plan-state.js";
import { positionsOf, stockLowsOf } from "./plan-stock-truth.js";
import { checkTemperatureStep, excursionsOf, sensorsOf, temperaturePeriod } from "./plan-temperature.js";
import type { ScenarioPlan, ScenarioPlanStream } from "./plan-types.js";
import type { PhysicalStep, Scenario, ScenarioStep } from "./scenario.js";

export { MAX_READS_PER_MESSAGE, READ_WINDOW_MS } from "./plan-portal-pass.js";
export { SHELF_SWING_PERIOD_MS } from "./plan-shelf-readings.js";
export { positionsOf, stockLowsOf } from "./plan-stock-truth.js";
export { TEMPERATURE_PERIOD_MS } from "./plan-temperature.js";
export {
  isDeviceMessage,
  type PlannedAction,
  type PlannedExcursion,
  type PlannedMovement,
  type PlannedRead,
  type PlannedScan,
  type ScenarioPlan,
  type ScenarioPlanStream,
} from "./plan-types.js";

/** A play waits this long after its last message (at speed 1) before resolving. */
export const TAIL_MS = 1000;

/**
 * Turns a scenario into the exact messages to send and the truth they
 * amount to. Pure and deterministic: the same scenario and site give the
 * same plan. Throws `TALLY_ERR_SCENARIO_INVALID` when a step refers to what
 * the site does not have or asks for the impossible (a bin below zero).
 * Holds every action in memory: for big scenarios use `planScenarioStream`.
 */
export function planScenario(scenario: Scenario, site: SiteLayout): ScenarioPlan {
  const { actions, ...rest } = planScenarioStream(scenario, site);
  return { ...rest, actions: [...actions()] };
}

/**
 * Like `planScenario`, but the actions are generated lazily in time order:
 * memory holds the steps and the truth, plus only the reads of the passes
 * under way, whatever the scenario's length.
 */
export function planScenarioStream(scenario: Scenario, site: SiteLayout): ScenarioPlanStream {
  if (!Number.isFinite(scenario.durationMs) || scenario.durationMs < 0) {
    throw invalid(`scenario ${scenario.name}: durationMs must be a finite number ≥ 0`);
  }
  const state = newPlanState(scenario, site);
  const steps: Indexed<ScenarioStep>[] = scenario.steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.at - b.step.at || tieRank(a.step) - tieRank(b.step) || a.index - b.index);
  for (const indexed of steps) planStep(state, indexed);

  // Temperature sensors: the true temperature (for the truth) and what the sensor reports (noise, gaps, stuck).
  const periodMs = temperaturePeriod(state);
  const sensors = sensorsOf(state, steps);
  const excursions = excursionsOf(state, periodMs, sensors);
  for (const { step } of steps) if (step.kind === "system" || step.kind === "device-state") reach(state, step.at);
  const { movements, unrecorded } = state;
  const stockLows = stockLowsOf([...movements, ...unrecorded], site);
  const actions = actionsOf(state, steps, sensors, periodMs);
  return {
    endMs: Math.max(scenario.durationMs, state.lastMs + TAIL_MS),
    movements,
    unrecorded,
    positions: positionsOf([...movements, ...unrecorded]),
    excursions,
    faults: scenario.faults ?? [],
    asns: scenario.asns ?? [],
    tasks: state.tasks,
    documents: state.documents,
    stockLows,
    actions,
  };
}

/** One step, in time order: checked against the site, and the truth it adds. */
function planStep(state: PlanState, { step, index }: Indexed<ScenarioStep>): void {
  const where = `scenario ${state.scenario.name}: steps.${index} (${step.kind} at ${step.at} ms)`;
  if (!Number.isFinite(step.at) || step.at < 0) throw invalid(`${where}: at must be a finite number ≥ 0`);
  if (step.kind === "system") return;
  if (step.kind === "document") {
    planDocumentStep(state, step, where);
    return;
  }
  if (step.kind === "physical") {
    planPhysicalStep(state, step, where);
    return;
  }
  const device = state.devices.get(step.deviceId);
  if (device === undefined) throw invalid(`${where}: unknown device ${step.deviceId}`);
  switch (step.kind) {
    case "portal-pass":
      planPortalPassStep(state, step, device, where);
      return;
    case "scan":
      planScanStep(state, step, device, where);
      return;
    case "shelf-load":
      planShelfLoadStep(state, step, device, where);
      return;
    case "load-cell-fault":
      planLoadCellFaultStep(state, step, device, where);
      return;
    case "temperature":
      checkTemperatureStep(step, device, where);
      return;
    case "device-state": {
      const list = state.deviceStates.get(device.id) ?? [];
      list.push(step);
      state.deviceStates.set(device.id, list);
      return;
    }
    default:
      assertNever(step);
  }
}

/** Stock that moves with no device to see it: the truth has it, the ledger cannot. */
function planPhysicalStep(state: PlanState, step: PhysicalStep, where: string): void {
  if (!state.items.has(step.sku)) throw invalid(`${where}: unknown sku ${step.sku}`);
  for (const code of [step.from, step.to]) {
    if (code !== undefined && !state.locations.has(code)) throw invalid(`${where}: unknown location ${code}`);
  }
  state.unrecorded.push({
    sku: step.sku,
    qty: step.qty,
    ...(step.from !== undefined && { from: step.from }),
    ...(step.to !== undefined && { to: step.to }),
    atMs: step.at,
  });
}

/** At the same time, a document opens before anything else happens and closes after everything else. */
function tieRank(step: ScenarioStep): number {
  if (step.kind !== "document") return 1;
  return step.action === "open" ? 0 : 2;
}
