import type { EdgeEvent } from "@tally/protocols";
import type { Logger } from "pino";
import { withContentId } from "./domain/content-id.js";
import { holdsUnjournalledEvents } from "./domain/unjournalled-events.js";
import type { Outbox } from "./ports/outbox.js";
import type { BacklogWatch } from "./uplink/backlog-watch.js";

export interface OutboxWriterDeps {
  outbox: Outbox;
  /**
   * The edge has a device journal: the backlog conditions it raises get
   * content ids (a replay makes the same ones), and a batch the journal cannot
   * rebuild is synced to disk as soon as it is in the outbox.
   */
  journalled: boolean;
  /** The site's OPC-UA shelves: movements and tasks resting on them are not in the journal. */
  opcuaShelves: ReadonlySet<string>;
  backlog: BacklogWatch;
  metrics: { outboxWriteFailures: number };
  logger: Logger;
  /** Events reached the outbox: the uplink may send. */
  onSaved: () => void;
  /** A sync asked for failed: the edge can no longer keep what it is given. */
  onSyncFailure: (error: Error) => void;
  /** Wait before retrying an append the outbox refused (disk full), ms; 1000 by default. */
  retryMs?: number;
}

/**
 * Where events wait for the outbox: batches are appended one at a time in the
 * order given. When the outbox refuses one (disk full), it stays first in line,
 * the failure is counted and logged, and the writer tries again after
 * `retryMs`; nothing is dropped and nothing overtakes it. While any batch
 * waits (`waiting`), the journal's checkpoint must not move and devices are
 * held. After each append the outbox's fill is checked against the backlog
 * thresholds, and a backlog condition is queued behind it.
 */
export class OutboxWriter {
  readonly #deps: OutboxWriterDeps;
  readonly #unsaved: EdgeEvent[][] = [];
  #saving = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(deps: OutboxWriterDeps) {
    this.#deps = deps;
  }

  /** Some events have not reached the outbox yet. */
  get waiting(): boolean {
    return this.#unsaved.length > 0;
  }

  /** Queues a batch (its ids as they are) and starts appending if nothing is. */
  push(events: EdgeEvent[]): void {
    this.#unsaved.push(events);
    void this.#save();
  }

  /** Stops a retry that is due; what is still waiting stays unsaved (the journal replays it at the next start). */
  close(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  async #save(): Promise<void> {
    if (this.#saving) return;
    this.#saving = true;
    const { outbox, journalled, opcuaShelves, backlog, metrics, logger } = this.#deps;
    try {
      while (this.#unsaved.length > 0) {
        const next = this.#unsaved[0] as EdgeEvent[];
        try {
          await outbox.append(next);
        } catch (error) {
          metrics.outboxWriteFailures++;
          logger.error({ err: (error as Error).message, events: next.length }, "outbox append failed; retrying");
          this.#retryTimer ??= setTimeout(() => {
            this.#retryTimer = undefined;
            void this.#save();
          }, this.#deps.retryMs ?? 1000);
          return;
        }
        this.#unsaved.shift();
        // The journal cannot rebuild these after a power cut: make them durable now, not at the next checkpoint.
        if (journalled && holdsUnjournalledEvents(next, opcuaShelves)) {
          outbox.sync().catch((error: unknown) => this.#deps.onSyncFailure(error as Error));
        }
        const condition = backlog.check(outbox.usage(), new Date());
        if (condition !== undefined) {
          logger.warn({ fill: condition.value, state: condition.state }, "outbox backlog");
          this.#unsaved.push([journalled ? withContentId(condition) : condition]);
        }
      }
      this.#deps.onSaved();
    } finally {
      this.#saving = false;
    }
  }
}
