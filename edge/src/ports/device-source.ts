import type { Observable } from "rxjs";
import type { Observation } from "../domain/observation.js";

/** What a device source counts, for the edge's metrics. */
export interface DeviceSourceMetrics {
  /** Messages or values taken from devices. */
  received: number;
  /** Messages or values refused, by reason: an error code, or an OPC-UA status name (BadSensorFailure, Uncertain…). */
  refused: Record<string, number>;
  /** Connections refused or lost since the start (each followed by a retry). */
  reconnects: number;
}

/**
 * The southbound port: where observations come from. The MQTT device source
 * and each OPC-UA shelf implement it, so the pipelines take observations and
 * never know which protocol carried them. A source retries on its own for as
 * long as it is open; it never errors its stream.
 */
export interface DeviceSource {
  /** Names the source in logs: `mqtt`, or the shelf's device id. */
  readonly id: string;
  /** Decoded, validated observations; completes on close. */
  readonly observations$: Observable<Observation>;
  /** Resolves once the source is taking device data (the first time); never rejects. */
  readonly ready: Promise<void>;
  metrics(): DeviceSourceMetrics;
  close(): Promise<void>;
}
