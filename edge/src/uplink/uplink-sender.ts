import type { CommitAck } from "@tally/protocols";
import { asyncScheduler, type SchedulerLike, type Subscription } from "rxjs";
import type { DeadLetteredEvent, EventRefusal, Outbox } from "../ports/outbox.js";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";

export interface UplinkSenderConfig {
  edgeId: string;
  siteId: string;
  /** Most events in one batch. */
  maxBatch: number;
  /**
   * Wait this long for more events before sending a part-full batch, ms. 0: send as soon as nothing is in
   * flight; events that come meanwhile make the next batch, so batches grow with the load and a quiet edge
   * sends at once.
   */
  flushMs: number;
  /** First wait for an acknowledgement before resending, ms; doubles up to `maxAckTimeoutMs`. */
  ackTimeoutMs: number;
  maxAckTimeoutMs: number;
  newId: () => string;
  /** This edge process (new at every start), sent on every batch; none: not sent. */
  instanceId?: string;
  /** Jitter source in [0, 1); injected so tests are deterministic. */
  random?: () => number;
}

export interface UplinkCounters {
  batchesSent: number;
  resends: number;
  eventsCommitted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  /** Refused events kept as dead letters, by the ack's error code. */
  eventsDeadLettered: Record<string, number>;
  /** Acks for a batch this process did not send (or no longer remembers): nothing leaves the outbox for them. */
  acksUnmatched: number;
  /** Ids an ack named that its batch did not hold: forged, ignored. */
  ackIdsForged: number;
}

export interface UplinkListener {
  onRejected?(ack: CommitAck): void;
  /** Events the cloud refused for good, just moved from the outbox to its dead letters (each reported once). */
  onDeadLettered?(letters: readonly DeadLetteredEvent[]): void;
  /**
   * An ack that cannot have come from the cloud: it names events its batch
   * did not hold, or carries another sequence number. Nothing of it was
   * applied.
   */
  onForgedAck?(ack: CommitAck, reason: string): void;
  /** A batch in flight was acknowledged this long after it was (last) sent, ms. */
  onAcked?(latencyMs: number): void;
  onError?(error: unknown): void;
}

/** Batches whose ids are remembered for matching acks. */
const REMEMBERED_BATCHES = 32;

/**
 * Sends the outbox to the cloud one batch at a time. An event leaves the
 * outbox only when a commit acknowledgement names it (committed, duplicate or
 * rejected for good); a batch with no acknowledgement in time is sent again,
 * with exponential backoff and jitter. The cloud commits idempotently on event
 * ids, so a resend never doubles a movement.
 */
export class UplinkSender {
  readonly counters: UplinkCounters = {
    batchesSent: 0,
    resends: 0,
    eventsCommitted: 0,
    eventsDuplicate: 0,
    eventsRejected: 0,
    eventsDeadLettered: {},
    acksUnmatched: 0,
    ackIdsForged: 0,
  };
  /** The ids each recently sent batch held, by batch id: an ack may only take these out of the outbox. */
  readonly #sent = new Map<string, { seq: number; ids: Set<string> }>();
  #inFlight: { batch: OutgoingBatch; timer: Subscription; timeoutMs: number; sentAt: number } | undefined;
  #flushTimer: Subscription | undefined;
  #ackSubscription: Subscription | undefined;
  #connectedSubscription: Subscription | undefined;
  #drainWaiters: (() => void)[] = [];
  #closed = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly transport: UplinkTransport,
    private readonly config: UplinkSenderConfig,
    private readonly listener: UplinkListener = {},
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  start(): void {
    this.#ackSubscription = this.transport.acks$.subscribe((ack) => {
      this.#onAck(ack).catch((error: unknown) => this.listener.onError?.(error));
    });
    // Back online: send what is in flight now rather than at the end of its backoff.
    this.#connectedSubscription = this.transport.connected$.subscribe((connected) => {
      if (!connected || this.#closed) return;
      const inFlight = this.#inFlight;
      if (inFlight === undefined) {
        this.notify();
        return;
      }
      inFlight.timer.unsubscribe();
      this.counters.resends++;
      this.#transmit(inFlight.batch, this.config.ackTimeoutMs);
    });
    this.notify();
  }

  /** Tells the sender the outbox has new events. */
  notify(): void {
    if (this.#closed || this.#inFlight !== undefined || this.#flushTimer !== undefined) return;
    this.#scheduleSend(this.outbox.depth() >= this.config.maxBatch ? 0 : this.config.flushMs);
  }

  #scheduleSend(delay: number): void {
    if (this.#closed || this.#flushTimer !== undefined) return;
    this.#flushTimer = this.scheduler.schedule(() => {
      this.#flushTimer = undefined;
      this.#sendNext().catch((error: unknown) => this.listener.onError?.(error));
    }, delay);
  }

  /** Resolves once the outbox is empty and nothing is in flight. */
  drained(): Promise<void> {
    if (this.outbox.depth() === 0 && this.#inFlight === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  stop(): void {
    this.#closed = true;
    this.#ackSubscription?.unsubscribe();
    this.#connectedSubscription?.unsubscribe();
    this.#flushTimer?.unsubscribe();
    this.#inFlight?.timer.unsubscribe();
  }

  async #sendNext(): Promise<void> {
    if (this.#closed || this.#inFlight !== undefined) return;
    const events = await this.outbox.peek(this.config.maxBatch);
    if (events.length === 0) {
      this.#settleDrain();
      return;
    }
    const batch: OutgoingBatch = {
      v: 1,
      edgeId: this.config.edgeId,
      siteId: this.config.siteId,
      batchId: this.config.newId(),
      seq: this.outbox.nextBatchSeq(),
      ...(this.config.instanceId !== undefined ? { instanceId: this.config.instanceId } : {}),
      sentAt: new Date(this.scheduler.now()).toISOString(),
      events,
    };
    this.#transmit(batch, this.config.ackTimeoutMs);
  }

  #transmit(batch: OutgoingBatch, timeoutMs: number): void {
    this.counters.batchesSent++;
    if (!this.#sent.has(batch.batchId)) {
      this.#sent.set(batch.batchId, { seq: batch.seq, ids: new Set(batch.events.map((e) => e.id)) });
      // A late ack of one of the last few batches still counts; older ones are forgotten (their events, if still
      // in the outbox, are sent again and come back as duplicates).
      for (const old of this.#sent.keys()) {
        if (this.#sent.size <= REMEMBERED_BATCHES) break;
        this.#sent.delete(old);
      }
    }
    const jitter = 0.8 + 0.4 * (this.config.random ?? Math.random)();
    const timer = this.scheduler.schedule(() => {
      if (this.#inFlight?.batch.batchId !== batch.batchId || this.#closed) return;
      this.counters.resends++;
      this.#transmit(batch, Math.min(timeoutMs * 2, this.config.maxAckTimeoutMs));
    }, timeoutMs * jitter);
    this.#inFlight = { batch, timer, timeoutMs, sentAt: this.scheduler.now() };
    this.transport.send(batch).catch((error: unknown) => this.listener.onError?.(error));
  }

  async #onAck(received: CommitAck): Promise<void> {
    if (received.edgeId !== this.config.edgeId) return;
    const sent = this.#sent.get(received.batchId);
    if (sent === undefined) {
      this.counters.acksUnmatched++;
      this.listener.onError?.(new Error(`ack for batch ${received.batchId}, which this edge did not send: ignored`));
      return;
    }
    if (received.seq !== sent.seq) {
      this.listener.onForgedAck?.(
        received,
        `ack for batch ${received.batchId} carries seq ${received.seq}, sent ${sent.seq}`,
      );
      return;
    }
    // Only ids the batch held may leave the outbox: an ack naming others was not made by the cloud.
    const forged: string[] = [];
    const held = (id: string) => {
      if (sent.ids.has(id)) return true;
      forged.push(id);
      return false;
    };
    const ack: CommitAck = {
      ...received,
      committed: received.committed.filter(held),
      duplicates: received.duplicates.filter(held),
      rejected: received.rejected.filter((r) => r.id === undefined || held(r.id)),
    };
    if (forged.length > 0) {
      this.counters.ackIdsForged += forged.length;
      this.listener.onForgedAck?.(
        received,
        `ack for batch ${received.batchId} names ${forged.length} event(s) the batch did not hold, e.g. ${forged[0]}`,
      );
    }
    // A batch refused whole (its edge quarantined, its topic naming another edge) says nothing about its
    // events: they all stay. Otherwise the acknowledged ids leave the outbox, and those rejected for good move
    // to its dead letters with the ack's code and reason, in the same step.
    const refusedWhole = ack.status === "rejected";
    const refused: EventRefusal[] = refusedWhole
      ? []
      : ack.rejected.flatMap((r) =>
          r.id === undefined ? [] : [{ id: r.id, code: r.code, reason: r.reason, batchId: ack.batchId }],
        );
    const deadLettered = await this.outbox.remove([...ack.committed, ...ack.duplicates], refused);
    this.counters.eventsCommitted += ack.committed.length;
    this.counters.eventsDuplicate += ack.duplicates.length;
    this.counters.eventsRejected += refused.length;
    for (const letter of deadLettered) {
      this.counters.eventsDeadLettered[letter.code] = (this.counters.eventsDeadLettered[letter.code] ?? 0) + 1;
    }
    if (ack.rejected.length > 0) this.listener.onRejected?.(ack);
    if (deadLettered.length > 0) this.listener.onDeadLettered?.(deadLettered);
    if (ack.status === "committed") this.#sent.delete(ack.batchId);
    if (this.#inFlight?.batch.batchId === ack.batchId) {
      this.#inFlight.timer.unsubscribe();
      this.listener.onAcked?.(this.scheduler.now() - this.#inFlight.sentAt);
      this.#inFlight = undefined;
      if (refusedWhole) {
        // The whole envelope was refused: resending it as it is cannot help, but the events stay in the outbox.
        // Wait the longest backoff before trying again instead of hammering the cloud.
        this.listener.onError?.(
          new Error(`cloud refused batch ${ack.batchId}: ${ack.rejected[0]?.reason ?? "no reason"}`),
        );
        this.#scheduleSend(this.config.maxAckTimeoutMs);
      } else {
        this.notify();
      }
    }
    this.#settleDrain();
  }

  #settleDrain(): void {
    if (this.outbox.depth() !== 0 || this.#inFlight !== undefined) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
