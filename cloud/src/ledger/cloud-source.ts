/** The edge id recorded on events the cloud makes itself (tasks, adjustments, reversals, EPCIS captures). */
export const CLOUD_SOURCE = "cloud";
