import { PORTAL_PRESENCE_DEFAULTS, type RfidPortalDevice } from "@tally/protocols";
import { DEFAULT_EVIDENCE_RULES, type EvidenceRules } from "./crossing-evidence.js";

export interface DetectPassesConfig {
  /** A burst of reads closes, and is judged, after this long without a read of its tag at its portal, ms. */
  silenceMs: number;
  /** A tag present longer than this is parked: it moves nothing until it clearly leaves, ms. */
  stationaryMs: number;
  /** Most presences tracked at once; past it the oldest is dropped (bounded memory). */
  maxOpenPasses: number;
  /** The outer and inner antennas' mean read times must differ by at least this much, ms. */
  minDirectionGapMs: number;
  /**
   * A tag's presence at a portal ends after this long without a read of it
   * (a parked tag's after the stationary limit): gaps shorter than this,
   * however many, are one presence. Default 15 s.
   */
  presenceTimeoutMs?: number;
  /** A burst longer than this is a tag standing in the field, not a pass, ms. Default 6 s. */
  maxPassMs?: number;
  /**
   * A tag that stood in the field leaves with reads within this long of its
   * last, clearly stronger than any while it stood, ms. Default 5 s.
   */
  departureWindowMs?: number;
  /** How much stronger than while it stood (or, at a one-antenna door, than before and after its peak), dB. Default 6. */
  departureMarginDb?: number;
  /** Share of outer/inner read pairs that must agree on the order (0–1). Default 0.75. */
  minOrder?: number;
  /** Reads on each side for the order to prove a crossing on its own. Default 2. */
  minReadsPerSide?: number;
  /** At a one-antenna door, how far the strength must rise to its peak and fall after it, dB. Default 10. */
  oneAntennaRiseDb?: number;
}

// 2.5 s: a dock door reading each tag only a few times a pass, and missing some, leaves gaps of over a
// second inside one pass; a shorter silence cuts such a pass into fragments below `minReads` (decision 0013).
export const DEFAULT_PASS_CONFIG: DetectPassesConfig = {
  silenceMs: 2500,
  stationaryMs: PORTAL_PRESENCE_DEFAULTS.stationaryMs,
  maxOpenPasses: 100_000,
  minDirectionGapMs: PORTAL_PRESENCE_DEFAULTS.directionGapMs,
};

export const DEFAULT_PRESENCE_TIMEOUT_MS: number = PORTAL_PRESENCE_DEFAULTS.timeoutMs;
const DEFAULT_MAX_PASS_MS = 6000;
const DEFAULT_DEPARTURE_WINDOW_MS = 5000;
const DEFAULT_DEPARTURE_MARGIN_DB = 6;
const DEFAULT_ONE_ANTENNA_RISE_DB = 10;
/** A portal's pass settings: its own presence settings over the pipeline's, defaults filled in. */
export interface PassSettings {
  silenceMs: number;
  stationaryMs: number;
  presenceTimeoutMs: number;
  maxPassMs: number;
  departureWindowMs: number;
  marginDb: number;
  riseDb: number;
  rules: EvidenceRules;
}

export function passSettingsFor(portal: RfidPortalDevice, config: DetectPassesConfig): PassSettings {
  return {
    silenceMs: config.silenceMs,
    stationaryMs: portal.presence?.stationaryMs ?? config.stationaryMs,
    presenceTimeoutMs: portal.presence?.timeoutMs ?? config.presenceTimeoutMs ?? DEFAULT_PRESENCE_TIMEOUT_MS,
    maxPassMs: config.maxPassMs ?? DEFAULT_MAX_PASS_MS,
    departureWindowMs: config.departureWindowMs ?? DEFAULT_DEPARTURE_WINDOW_MS,
    marginDb: config.departureMarginDb ?? DEFAULT_DEPARTURE_MARGIN_DB,
    riseDb: config.oneAntennaRiseDb ?? DEFAULT_ONE_ANTENNA_RISE_DB,
    rules: {
      minReads: portal.filter.minReads,
      minDirectionGapMs: portal.presence?.directionGapMs ?? config.minDirectionGapMs,
      minOrder: config.minOrder ?? DEFAULT_EVIDENCE_RULES.minOrder,
      minReadsPerSide: config.minReadsPerSide ?? DEFAULT_EVIDENCE_RULES.minReadsPerSide,
    },
  };
}
