import type { OpcuaSampling } from "@tally/protocols";

/**
 * OPC-UA shelf settings that need no OPC-UA library: kept apart from the
 * modules that import node-opcua, so that importing the edge does not load it
 * (decision 0189).
 */

/** A shelf's sampling settings with the defaults filled in. */
export interface ShelfSampling {
  samplingIntervalMs: number;
  queueSize: number;
  publishingIntervalMs: number;
}

/**
 * Defaults when the site file says nothing: 100 ms sampling (a pick settles
 * in 300 ms, so three samples), queue 10 (a second of changes at the fastest
 * a hand moves, oldest dropped first), publishing as often as sampling.
 */
export const DEFAULT_OPCUA_SAMPLING = { samplingIntervalMs: 100, queueSize: 10 } as const;

/** Monitored items per CreateMonitoredItems call when the server does not say (OperationLimits absent or 0). */
export const FALLBACK_ITEMS_PER_CALL = 1000;

export function shelfSampling(sampling: OpcuaSampling | undefined): ShelfSampling {
  const samplingIntervalMs = sampling?.samplingIntervalMs ?? DEFAULT_OPCUA_SAMPLING.samplingIntervalMs;
  return {
    samplingIntervalMs,
    queueSize: sampling?.queueSize ?? DEFAULT_OPCUA_SAMPLING.queueSize,
    // Sampling 0 means "on every change": publishing cannot be 0, so it falls to 50 ms.
    publishingIntervalMs: sampling?.publishingIntervalMs ?? Math.max(50, samplingIntervalMs),
  };
}
