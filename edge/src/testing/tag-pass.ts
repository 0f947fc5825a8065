import type { TagPass } from "../pipelines/detect-passes.js";

/**
 * A tag pass for tests, with `fields` over it: tag E1 crossing portal d1 inbound (proved by its antennas),
 * 10 reads at −50 dBm or better over two seconds, fresh, without observation ids.
 */
export const tagPass = (fields: Partial<TagPass> = {}): TagPass => ({
  portalId: "d1",
  epc: "E1",
  firstAt: "2026-11-22T08:00:00.000Z",
  lastAt: "2026-11-22T08:00:02.000Z",
  reads: 10,
  maxRssi: -50,
  direction: "inbound",
  directionFrom: "antennas",
  verdict: "crossing",
  evidence: "crossing",
  fresh: true,
  observationIds: [],
  ...fields,
});
