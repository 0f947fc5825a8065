import type { Logger } from "pino";
import { Subject } from "rxjs";
import type { Observation } from "./domain/observation.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { DeviceSource } from "./ports/device-source.js";

/**
 * Where every observation reaches the pipelines, whichever source it came from (or the journal's replay):
 * counted, and the time of the last one that may leave something held in the pipelines kept.
 */
export class ObservationFeed {
  readonly observations$ = new Subject<Observation>();
  /** When the last observation other than a heartbeat arrived, ms since the epoch (0: none yet). */
  lastObservationMs = 0;

  constructor(
    private readonly metrics: Pick<EdgeCounters, "observations">,
    private readonly logger: Logger,
    /** Where each attached source's close is pushed (the edge closes them in reverse). */
    private readonly closers: (() => Promise<void>)[],
  ) {}

  readonly feed = (observation: Observation): void => {
    this.metrics.observations++;
    // A heartbeat leaves nothing held in the pipelines: devices that keep beating (out of step with each
    // other) must not keep the edge from ever counting as drained.
    if (observation.type !== "heartbeat") this.lastObservationMs = Date.now();
    this.observations$.next(observation);
  };

  /** Feeds a source's observations until the edge closes, which closes the source first. */
  attach(source: DeviceSource): void {
    const subscription = source.observations$.subscribe({
      next: this.feed,
      error: (error: unknown) =>
        this.logger.error({ source: source.id, err: (error as Error).message }, "device source failed"),
    });
    this.closers.push(async () => {
      await source.close();
      subscription.unsubscribe();
    });
  }
}
