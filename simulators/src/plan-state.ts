import type { Device, HardwareProfile, SiteLayout } from "@tally/protocols";
import type { PlannedMovement, ScenarioPlanStream, Unrecorded } from "./plan-types.js";
import type { DeviceStateStep, ExpectedDocument, ExpectedTask, Scenario } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** A scenario step and its place in the scenario's list (what seeds its randomness and breaks time ties). */
export type Indexed<T> = { step: T; index: number };

export const invalid = (message: string): SimulatorError =>
  new SimulatorError(SimulatorErrorCode.ScenarioInvalid, message);

/** An expected receipt or shipment still open, with the units seen per SKU and its entry in `documents`. */
export interface OpenDocument {
  document: ExpectedDocument;
  seen: Map<string, number>;
  entry: number;
}

/** The site's indexes and the truth built up while the planner walks the steps in time order. */
export interface PlanState {
  scenario: Scenario;
  site: SiteLayout;
  hw: HardwareProfile;
  devices: Map<string, Device>;
  locations: Set<string>;
  skuByGtin: Map<string, string>;
  items: Map<string, SiteLayout["items"][number]>;
  zones: Map<string, SiteLayout["zones"][number]>;
  movements: PlannedMovement[];
  unrecorded: Unrecorded[];
  tasks: ExpectedTask[];
  documents: ScenarioPlanStream["documents"];
  /** Open expected receipts and shipments, in the order they were opened. */
  openDocs: Map<string, OpenDocument>;
  /** Units per shelf, bin and SKU so far. */
  binUnits: Map<string, number>;
  /** Each device's state changes, in time order. */
  deviceStates: Map<string, DeviceStateStep[]>;
  /** The last moment anything happens so far, ms at speed 1. */
  lastMs: number;
}

export function newPlanState(scenario: Scenario, site: SiteLayout): PlanState {
  return {
    scenario,
    site,
    hw: scenario.hardware ?? {},
    devices: new Map(site.devices.map((d) => [d.id, d])),
    locations: new Set(site.locations.map((l) => l.code)),
    skuByGtin: new Map(site.items.flatMap((item) => item.gtins.map((gtin) => [gtin, item.sku] as const))),
    items: new Map(site.items.map((item) => [item.sku, item])),
    zones: new Map(site.zones.map((z) => [z.id, z])),
    movements: [],
    unrecorded: [],
    tasks: [],
    documents: [],
    openDocs: new Map(),
    binUnits: new Map(),
    deviceStates: new Map(),
    lastMs: 0,
  };
}

/** The play lasts at least until `ms`. */
export function reach(state: PlanState, ms: number): void {
  state.lastMs = Math.max(state.lastMs, ms);
}
