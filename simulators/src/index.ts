export { DEMO_SITE_FILE, demoScenario } from "./demo-scenario.js";
export type {
  GroundTruth,
  PortalPassStep,
  ScanStep,
  Scenario,
  ScenarioStep,
  ShelfLoadStep,
  TemperatureStep,
  TrueMovement,
} from "./scenario.js";
export { loadSiteLayout, readSiteFile } from "./site-file.js";
export { type RunningSimulators, type SimulatorOptions, startSimulators } from "./start-simulators.js";
