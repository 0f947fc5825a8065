export {
  type RunningSystem,
  type RunScenarioOptions,
  runScenario,
  type ScenarioTarget,
  type SystemOptions,
  startSystem,
} from "./system.js";
