import { type CommitAck, type EdgeEvent, toReadingColumns } from "@tally/protocols";
import { asyncScheduler, type SchedulerLike, type Subscription } from "rxjs";
import type { DeadLetteredEvent, EventRefusal, Outbox } from "../ports/outbox.js";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";
import { type BatchInFlight, SendWindow, withPredecessor } from "./send-window.js";

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
  /**
   * Most batches in flight at once (default 1). Beyond the first, only full batches go before an ack: a
   * backlog is sent `window` batches deep, a trickle one part-full batch at a time.
   */
  window?: number;
  /** First wait for an acknowledgement before resending, ms; doubles up to `maxAckTimeoutMs`. */
  ackTimeoutMs: number;
  maxAckTimeoutMs: number;
  newId: () => string;
  /** This edge process (new at every start), sent on every batch; none: not sent. */
  instanceId?: string;
  /** Jitter source in [0, 1); injected so tests are deterministic. */
  random?: () => number;
  /**
   * Plain sensor readings go as columns (the envelope's `readings`, acknowledged by count) rather than as
   * events; default false. A cloud older than the field refuses such batches.
   */
  readingColumns?: boolean;
}

export interface UplinkCounters {
  batchesSent: number;
  resends: number;
  eventsCommitted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  /** Refused events kept as dead letters since start, by the ack's error code. */
  eventsDeadLettered: Record<string, number>;
  /** Acks for a batch this process did not send (or no longer remembers): nothing leaves the outbox for them. */
  acksUnmatched: number;
  /** Ids an ack named that its batch did not hold: forged, ignored. */
  ackIdsForged: number;
}

/** Uplink counters at zero, each call its own (the dead letters' record is not shared). */
export function newUplinkCounters(): UplinkCounters {
  return {
    batchesSent: 0,
    resends: 0,
    eventsCommitted: 0,
    eventsDuplicate: 0,
    eventsRejected: 0,
    eventsDeadLettered: {},
    acksUnmatched: 0,
    ackIdsForged: 0,
  };
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

/** Batches in flight by default. */
export const DEFAULT_UPLINK_WINDOW = 4;

/** The largest window: every batch in flight must stay among those remembered. */
export const MAX_UPLINK_WINDOW = 16;

/**
 * Sends the outbox to the cloud, up to `window` batches in flight. An event
 * leaves the outbox only when a commit acknowledgement names it (committed,
 * duplicate or rejected for good); when a batch has no acknowledgement in
 * time, or the uplink comes back, every batch still in flight is sent again,
 * in order, with exponential backoff and jitter. The cloud commits
 * idempotently on event ids, so a resend never doubles a movement, and commits
 * a batch naming an `after` only once that batch has committed, so batches in
 * flight together commit in the order they were sent.
 */
export class UplinkSender {
  readonly counters: UplinkCounters = newUplinkCounters();
  /**
   * The ids each recently sent batch held, by batch id: an ack may only take these out of the outbox. Those
   * of readings sent as columns are also kept apart: an ack counts them rather than naming them.
   */
  readonly #sent = new Map<string, { seq: number; ids: Set<string>; readings: readonly string[] }>();
  readonly #window: SendWindow;
  #flushTimer: Subscription | undefined;
  /** A batch is being read from the outbox: one at a time. */
  #reading = false;
  /** `notify()` came while a batch was being read: look again once it is sent. */
  #notifiedWhileReading = false;
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
  ) {
    const size = config.window ?? 1;
    if (size > MAX_UPLINK_WINDOW) throw new Error(`uplink window ${size} is more than ${MAX_UPLINK_WINDOW}`);
    this.#window = new SendWindow(size);
  }

  /** Batches sent and not yet acknowledged (a gauge). */
  get batchesInFlight(): number {
    return this.#window.count;
  }

  start(): void {
    this.#ackSubscription = this.transport.acks$.subscribe((ack) => {
      this.#onAck(ack).catch((error: unknown) => this.listener.onError?.(error));
    });
    // Back online: send what is in flight now rather than at the end of its backoff.
    this.#connectedSubscription = this.transport.connected$.subscribe((connected) => {
      if (!connected || this.#closed) return;
      if (this.#window.empty) this.notify();
      else this.#resendInFlight(false);
    });
    this.notify();
  }

  /** Tells the sender the outbox has new events. */
  notify(): void {
    if (this.#reading) this.#notifiedWhileReading = true;
    if (this.#closed || this.#reading || this.#flushTimer !== undefined || this.#window.full) return;
    const unsent = this.outbox.depth() - this.#window.eventsInFlight();
    if (unsent >= this.config.maxBatch) this.#scheduleSend(0);
    // A part-full batch goes only when nothing is in flight; meanwhile it grows, and goes on the next ack.
    else if (this.#window.empty) this.#scheduleSend(this.config.flushMs);
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
    if (this.outbox.depth() === 0 && this.#window.empty) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  stop(): void {
    this.#closed = true;
    this.#ackSubscription?.unsubscribe();
    this.#connectedSubscription?.unsubscribe();
    this.#flushTimer?.unsubscribe();
    for (const entry of this.#window.entries()) entry.timer?.unsubscribe();
  }

  async #sendNext(): Promise<void> {
    if (this.#closed || this.#reading || this.#window.full) return;
    this.#reading = true;
    this.#notifiedWhileReading = false;
    const generation = this.#window.generation;
    let queued: Awaited<ReturnType<Outbox["peekAfter"]>>;
    try {
      queued = await this.outbox.peekAfter(this.#window.cursor, this.config.maxBatch);
    } finally {
      this.#reading = false;
    }
    // Cleared meanwhile (a batch refused whole): what was read is sent again later, from the front.
    if (this.#closed || generation !== this.#window.generation || this.#window.full) return;
    const last = queued.at(-1);
    if (last === undefined) {
      this.#settleDrain();
      // Events that came while the outbox was read: their notify was put off until now.
      if (this.#notifiedWhileReading) this.notify();
      return;
    }
    const after = this.#window.newestSeq;
    const { events, readings } = this.#wireEvents(queued.map((q) => q.event));
    const batch: OutgoingBatch = {
      v: 1,
      edgeId: this.config.edgeId,
      siteId: this.config.siteId,
      batchId: this.config.newId(),
      seq: this.outbox.nextBatchSeq(),
      ...(this.config.instanceId !== undefined ? { instanceId: this.config.instanceId } : {}),
      ...(after !== undefined ? { after } : {}),
      sentAt: new Date(this.scheduler.now()).toISOString(),
      events,
      ...(readings !== undefined && { readings }),
    };
    const entry: BatchInFlight = { batch, lastPosition: last.position, timer: undefined, timeoutMs: 0, sentAt: 0 };
    this.#window.add(entry);
    this.#transmit(entry, this.config.ackTimeoutMs);
    // More room in the window: a backlog's next full batch goes at once.
    this.notify();
  }

  /** A batch's events as they go on the wire: plain sensor readings as columns when configured so. */
  #wireEvents(events: EdgeEvent[]): { events: EdgeEvent[]; readings?: OutgoingBatch["readings"] } {
    return this.config.readingColumns === true ? toReadingColumns(events) : { events };
  }

  #transmit(entry: BatchInFlight, timeoutMs: number): void {
    const { batch } = entry;
    this.counters.batchesSent++;
    if (!this.#sent.has(batch.batchId)) {
      const readings = batch.readings?.id ?? [];
      const ids = new Set(batch.events.map((e) => e.id));
      for (const id of readings) ids.add(id);
      this.#sent.set(batch.batchId, { seq: batch.seq, ids, readings });
      // A late ack of one of the last few batches still counts; older ones are forgotten (their events, if still
      // in the outbox, are sent again and come back as duplicates).
      for (const old of this.#sent.keys()) {
        if (this.#sent.size <= REMEMBERED_BATCHES) break;
        this.#sent.delete(old);
      }
    }
    const jitter = 0.8 + 0.4 * (this.config.random ?? Math.random)();
    entry.timer?.unsubscribe();
    entry.timer = this.scheduler.schedule(() => {
      if (this.#closed || this.#window.get(batch.batchId) !== entry) return;
      this.#resendInFlight(true);
    }, timeoutMs * jitter);
    entry.timeoutMs = timeoutMs;
    entry.sentAt = this.scheduler.now();
    this.transport.send(batch).catch((error: unknown) => this.listener.onError?.(error));
  }

  /**
   * Sends every batch in flight again, oldest first, each naming as `after`
   * the one before it still in flight (batches acknowledged since are
   * committed, so no longer named). After a timeout each waits twice as long
   * for its ack as before; after a reconnect, the first wait again.
   */
  #resendInFlight(backOff: boolean): void {
    let previous: number | undefined;
    for (const entry of this.#window.entries()) {
      this.counters.resends++;
      entry.batch = withPredecessor(entry.batch, previous);
      const timeoutMs = backOff ? Math.min(entry.timeoutMs * 2, this.config.maxAckTimeoutMs) : this.config.ackTimeoutMs;
      this.#transmit(entry, timeoutMs);
      previous = entry.batch.seq;
    }
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
    const rejected = received.rejected.filter((r) => r.id === undefined || held(r.id));
    const ack: CommitAck = {
      ...received,
      committed: [...received.committed.filter(held), ...this.#readingsTaken(received, sent.readings, rejected)],
      duplicates: received.duplicates.filter(held),
      rejected,
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
    const entry = this.#window.get(ack.batchId);
    if (entry !== undefined) {
      this.listener.onAcked?.(this.scheduler.now() - entry.sentAt);
      if (refusedWhole) {
        // The whole envelope was refused: resending it as it is cannot help, but the events stay in the outbox.
        // Every batch in flight is forgotten (the cloud commits none after this one), and after the longest
        // backoff the outbox is sent again from the front instead of hammering the cloud.
        for (const gone of this.#window.clear()) gone.timer?.unsubscribe();
        this.#flushTimer?.unsubscribe();
        this.#flushTimer = undefined;
        this.listener.onError?.(
          new Error(`cloud refused batch ${ack.batchId}: ${ack.rejected[0]?.reason ?? "no reason"}`),
        );
        this.#scheduleSend(this.config.maxAckTimeoutMs);
      } else {
        entry.timer?.unsubscribe();
        this.#window.remove(ack.batchId);
        this.notify();
      }
    }
    this.#settleDrain();
  }

  /**
   * The readings a batch sent as columns that its ack counts as taken: all those it does not refuse, when
   * the count says so. An ack whose count disagrees takes none (they stay in the outbox and are sent again).
   */
  #readingsTaken(received: CommitAck, readings: readonly string[], rejected: CommitAck["rejected"]): string[] {
    if (readings.length === 0 || received.status !== "committed" || received.readings === undefined) return [];
    const refused = new Set<string>();
    for (const r of rejected) if (r.id !== undefined) refused.add(r.id);
    const taken = refused.size === 0 ? [...readings] : readings.filter((id) => !refused.has(id));
    if (taken.length === received.readings.committed) return taken;
    this.listener.onForgedAck?.(
      received,
      `ack for batch ${received.batchId} counts ${received.readings.committed} reading(s) taken, the batch sent ${taken.length} it did not refuse`,
    );
    return [];
  }

  #settleDrain(): void {
    if (this.outbox.depth() !== 0 || !this.#window.empty) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
