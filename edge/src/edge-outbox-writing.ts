import type { Logger } from "pino";
import { type DeadLetterRateTimer, startDeadLetterRateTimer } from "./adapters/dead-letter-rate-timer.js";
import { DeadLetterRates } from "./domain/dead-letter-rates.js";
import { opcuaShelfIds } from "./domain/unjournalled-events.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeOptions } from "./edge-options.js";
import { OutboxWriter } from "./outbox-writer.js";
import type { Outbox } from "./ports/outbox.js";
import { BacklogWatch } from "./uplink/backlog-watch.js";
import type { UplinkSender } from "./uplink/uplink-sender.js";

export interface EdgeOutboxWritingContext {
  options: EdgeOptions;
  outbox: Outbox;
  journalled: boolean;
  newId: () => string;
  /** Told each time events reach the outbox. */
  sender: Pick<UplinkSender, "notify">;
  metrics: Pick<EdgeCounters, "eventsQueued" | "outboxWriteFailures">;
  logger: Logger;
  /** Called when a sync asked for fails: the edge stops. */
  stopOnFailure: (what: string, error: Error) => void;
  /** Where the writer's and the rate timer's closes are pushed, in that order. */
  closers: (() => Promise<void>)[];
}

/**
 * The outbox writer, and each device's dead letters a minute queued through it as telemetry like the pipelines'
 * events (fresh ids: they are not replayed).
 */
export function startEdgeOutboxWriting(context: EdgeOutboxWritingContext): {
  writer: OutboxWriter;
  deadLetterRates: DeadLetterRateTimer;
} {
  const { options, newId, metrics, closers } = context;
  const { site } = options;
  // Events wait here until the outbox takes them; when it refuses (disk full) they are kept in memory and
  // retried every second, and the journal's checkpoint does not move until they are in.
  const writer = new OutboxWriter({
    outbox: context.outbox,
    journalled: context.journalled,
    opcuaShelves: opcuaShelfIds(site),
    backlog: new BacklogWatch(options.edgeId, site.siteId, newId),
    metrics,
    logger: context.logger,
    onSaved: () => context.sender.notify(),
    onSyncFailure: (error) => context.stopOnFailure("the outbox could not be synced to disk", error),
  });
  closers.push(async () => writer.close());
  const rates = new DeadLetterRates({ siteId: site.siteId, newId }, options.deadLetterRate);
  const deadLetterRates = startDeadLetterRateTimer(rates, (telemetry) => {
    metrics.eventsQueued += telemetry.length;
    writer.push(telemetry);
  });
  closers.push(async () => deadLetterRates.stop());
  return { writer, deadLetterRates };
}
