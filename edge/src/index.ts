export { type EdgeConfig, loadEdgeConfig } from "./config.js";
export { decodeDeviceMessage } from "./domain/decode-device-message.js";
export type { Observation } from "./domain/observation.js";
export { indexSite, type SiteIndex } from "./domain/site-index.js";
export type { EdgeMetrics } from "./metrics.js";
export { DEFAULT_PIPELINE_CONFIG, type EdgePipelineConfig, edgePipeline } from "./pipelines/edge-pipeline.js";
export { type EdgeOptions, type RunningEdge, startEdge } from "./start-edge.js";
