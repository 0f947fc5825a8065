export { type CompileOptions, compileScenario } from "./compile-scenario.js";
export {
  BUILT_IN_SCENARIOS,
  type BuiltInScenario,
  builtInScenarioFile,
  type LoadedScenario,
  loadScenarioFile,
  SCENARIOS_DIR,
} from "./load-scenario-file.js";
