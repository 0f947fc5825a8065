export { type CloudSetup, type CloudSetupOptions, cloudSetup } from "./cloud-setup.js";
export {
  BUILT_IN_SCENARIOS,
  type BuiltInScenario,
  builtInScenarioFile,
  type CompileOptions,
  compileScenario,
  type LoadedScenario,
  loadScenarioFile,
  SCENARIOS_DIR,
} from "./compile/index.js";
export { DEMO_SITE_FILE, demoScenario } from "./demo-scenario.js";
export { binBrowseName, type OpcuaShelf, type OpcuaShelfServerOptions, startOpcuaShelf } from "./opcua-shelf.js";
export { planScenario, planScenarioStream } from "./plan-scenario.js";
export { type Random, seededRandom } from "./random.js";
export type {
  Asn,
  Detection,
  DeviceStateStep,
  DocumentStep,
  ExpectedDocument,
  ExpectedTask,
  GroundTruth,
  InjectedFault,
  LoadCellFaultStep,
  PhysicalStep,
  PortalPassStep,
  ScanStep,
  Scenario,
  ScenarioStep,
  ShelfLoadStep,
  StockAtRiskTruth,
  StockLow,
  SystemStep,
  TemperatureStep,
  TrueExcursion,
  TrueFault,
  TrueMovement,
} from "./scenario.js";
export { formatReport, progressBar } from "./score/format-report.js";
export {
  type CommitTracker,
  readCloudState,
  trackCommits,
  waitForQuietCloud,
} from "./score/observe-cloud.js";
export { readColdChain } from "./score/observe-cold-chain.js";
export {
  ALERT_TOLERANCE_MS,
  type ColdChainReport,
  compareStockAtRisk,
  type ObservedColdChain,
  type ObservedExcursion,
  type ObservedRaise,
  type ObservedStockAtRisk,
  type StockAtRiskScore,
  scoreColdChain,
} from "./score/score-cold-chain.js";
export {
  movementKey,
  type ObservedState,
  percentile,
  REPORT_KEYS,
  type RecordedMovement,
  type RecordedSignal,
  type ScoreReport,
  STANDING_FAULT_KINDS,
  STOCK_ALERT_KINDS,
  scoreRun,
} from "./score/score-run.js";
export { SCALE_ITEM, type ShelfSiteAtScaleOptions, shelfSiteAtScale } from "./shelf-site-at-scale.js";
export { loadSiteLayout, readSiteFile, siteAtSpeed } from "./site-file.js";
export {
  type PlayHooks,
  type PlayOptions,
  type PlayProgress,
  type RunningSimulators,
  type SimulatorOptions,
  startSimulators,
} from "./start-simulators.js";
export { stockAtRiskTruth, type TimedChange } from "./stock-at-risk-truth.js";
export { type DeadDirection, startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
