/** How long a batch waits for the batch it names as `after` before it is left unacknowledged, ms. */
export const DEFAULT_HOLD_MS = 5000;
/** Settled batch seqs remembered per edge process. */
const REMEMBERED_SEQS = 1024;
/** Edge processes remembered (each edge restart is a new one). */
const REMEMBERED_SENDERS = 4096;
/** Waits between ledger lookups while a batch is held: the first, doubled up to the last, ms. */
export const DEFAULT_LOOKUP_BACKOFF_MS = { first: 5, max: 100 } as const;

/** A batch's place in its edge's order: who sent it, its seq, and the seq it must commit after. */
export interface OrderedBatch {
  edgeId: string;
  instanceId?: string | undefined;
  seq: number;
  after?: number | undefined;
}

/** Thrown when a batch's predecessor did not commit within the hold: no ack leaves, the edge resends both. */
export class PredecessorNotCommitted extends Error {
  constructor(batch: OrderedBatch, holdMs: number) {
    super(
      `batch ${batch.seq} of edge ${batch.edgeId} waited ${holdMs} ms for batch ${batch.after}, which did not commit; left unacknowledged`,
    );
    this.name = "PredecessorNotCommitted";
  }
}

/** Whether this edge process's batch committed, through any cloud instance on the ledger (one indexed query). */
export type CommittedLookup = (batch: { edgeId: string; instanceId: string; seq: number }) => Promise<boolean>;

export interface BatchOrderOptions {
  holdMs?: number;
  /** Told of each batch that arrived before the batch it names as `after` (metrics). */
  onHeld?: (batch: OrderedBatch) => void;
  /** Told of each batch given up after the hold (metrics). */
  onExpired?: (batch: OrderedBatch) => void;
  /**
   * Asked when the batch named as `after` is neither settled nor being committed in this process (another cloud
   * instance behind a shared subscription has it, or this one had it before a restart): at arrival, then on a
   * backoff while the batch is held. Only for batches that name their edge process (`instanceId`).
   */
  lookup?: CommittedLookup | undefined;
  /** Told of each batch whose predecessor the ledger said committed (metrics). */
  onFound?: (batch: OrderedBatch) => void;
  /** Told of a lookup that failed: the batch stays held, and the next check asks again. */
  onLookupFailed?: (error: unknown) => void;
  /** Waits between lookups while held, ms (default `DEFAULT_LOOKUP_BACKOFF_MS`). */
  lookupBackoffMs?: { first: number; max: number };
  /** The clock the hold is measured on, ms (default `performance.now`). */
  now?: () => number;
}

interface SenderState {
  /** Seqs of this edge process whose batches committed (insertion order, bounded). */
  settled: Set<number>;
  /** Seqs being committed now, or waiting to. */
  pending: Set<number>;
  /** Woken when a seq settles, or stops being committed here without settling. */
  waiters: Map<number, Set<() => void>>;
}

/**
 * Commits each edge's batches in the order the edge sent them: one at a time
 * per edge, and a batch naming an `after` only once that batch has committed,
 * in this cloud process or (as the ledger says) in another. A batch whose predecessor has not committed within
 * the hold throws `PredecessorNotCommitted`: nothing of it commits and no ack
 * leaves, so the edge sends both again, in order.
 *
 * Settled seqs are kept per edge process (`instanceId`): an edge names only
 * batches of its own process as `after`, and an edge with an outbox in
 * memory starts its seqs again at each start. A predecessor neither settled
 * nor being committed here is asked of the ledger (`lookup`), at arrival and
 * on a backoff while held: another cloud instance may have committed it, or
 * this one before a restart. A predecessor settled or being committed here
 * costs no query.
 */
export class BatchOrder {
  readonly #holdMs: number;
  readonly #backoff: { first: number; max: number };
  readonly #now: () => number;
  readonly #senders = new Map<string, SenderState>();
  /** Per edge, the end of its commit queue. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(private readonly options: BatchOrderOptions = {}) {
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.#backoff = options.lookupBackoffMs ?? DEFAULT_LOOKUP_BACKOFF_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Runs `commit` in the batch's turn; `settles` says whether its result counts as committed. */
  async inTurn<T>(batch: OrderedBatch, commit: () => Promise<T>, settles: (result: T) => boolean): Promise<T> {
    const sender = this.#sender(batch);
    sender.pending.add(batch.seq);
    try {
      if (batch.after !== undefined && !sender.settled.has(batch.after)) {
        if (!(await this.#predecessorCommitted(sender, batch, batch.after))) {
          this.options.onExpired?.(batch);
          throw new PredecessorNotCommitted(batch, this.#holdMs);
        }
      }
      return await this.#serialised(batch.edgeId, async () => {
        const result = await commit();
        if (settles(result)) this.#settle(sender, batch.seq);
        return result;
      });
    } finally {
      sender.pending.delete(batch.seq);
      // Settled, its waiters went already; otherwise they stop waiting on this process and ask the ledger.
      this.#wake(sender, batch.seq);
    }
  }

  /** Whether this edge process's batch `seq` committed here (tests, diagnostics). */
  isSettled(batch: { edgeId: string; instanceId?: string | undefined }, seq: number): boolean {
    return this.#senders.get(senderKey(batch))?.settled.has(seq) ?? false;
  }

  /**
   * Waits up to the hold for `after` to settle: woken when it settles here; while it is not being committed here,
   * the ledger is asked at once and again after each backoff (one query a check, never two at a time).
   */
  async #predecessorCommitted(sender: SenderState, batch: OrderedBatch, after: number): Promise<boolean> {
    const lookup = this.#lookupFor(batch, after);
    const deadline = this.#now() + this.#holdMs;
    let backoff = this.#backoff.first;
    let held = false;
    for (;;) {
      const here = sender.pending.has(after);
      if (!here && lookup !== undefined && (await lookup())) {
        this.options.onFound?.(batch);
        this.#settle(sender, after);
      }
      if (sender.settled.has(after)) return true;
      if (!held && !here) {
        held = true;
        this.options.onHeld?.(batch);
      }
      const left = deadline - this.#now();
      if (left <= 0) return false;
      if (here || lookup === undefined) await this.#woken(sender, after, left);
      else {
        await this.#woken(sender, after, Math.min(backoff, left));
        backoff = Math.min(backoff * 2, this.#backoff.max);
      }
    }
  }

  /** The lookup of `after` for this batch's edge process; none without a lookup or an `instanceId`. */
  #lookupFor(batch: OrderedBatch, after: number): (() => Promise<boolean>) | undefined {
    const { lookup } = this.options;
    const { instanceId } = batch;
    // Without its process, an edge's seqs may start again at each start: the ledger cannot tell whose it is.
    if (lookup === undefined || instanceId === undefined) return undefined;
    const key = { edgeId: batch.edgeId, instanceId, seq: after };
    return () =>
      Promise.resolve()
        .then(() => lookup(key))
        .catch((error: unknown) => {
          this.options.onLookupFailed?.(error);
          return false;
        });
  }

  /** Resolves when `seq`'s waiters are woken or after `ms`. */
  #woken(sender: SenderState, seq: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = sender.waiters.get(seq) ?? new Set();
      sender.waiters.set(seq, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && sender.waiters.get(seq) === waiters) sender.waiters.delete(seq);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      // A held batch must not keep a closing cloud alive.
      timer.unref?.();
      waiters.add(wake);
    });
  }

  #wake(sender: SenderState, seq: number): void {
    const waiters = sender.waiters.get(seq);
    sender.waiters.delete(seq);
    for (const wake of [...(waiters ?? [])]) wake();
  }

  #settle(sender: SenderState, seq: number): void {
    sender.settled.delete(seq);
    sender.settled.add(seq);
    for (const old of sender.settled) {
      if (sender.settled.size <= REMEMBERED_SEQS) break;
      sender.settled.delete(old);
    }
    this.#wake(sender, seq);
  }

  async #serialised<T>(edgeId: string, run: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(edgeId) ?? Promise.resolve();
    let done: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#queues.set(edgeId, mine);
    await before;
    try {
      return await run();
    } finally {
      done();
      if (this.#queues.get(edgeId) === mine) this.#queues.delete(edgeId);
    }
  }

  #sender(batch: OrderedBatch): SenderState {
    const key = senderKey(batch);
    let state = this.#senders.get(key);
    if (state === undefined) {
      state = { settled: new Set(), pending: new Set(), waiters: new Map() };
      this.#senders.set(key, state);
      for (const [old, oldState] of this.#senders) {
        if (this.#senders.size <= REMEMBERED_SENDERS) break;
        if (oldState.pending.size === 0 && oldState.waiters.size === 0) this.#senders.delete(old);
        else break;
      }
    } else {
      // Most recently used last, so the oldest idle ones are forgotten first.
      this.#senders.delete(key);
      this.#senders.set(key, state);
    }
    return state;
  }
}

function senderKey(batch: { edgeId: string; instanceId?: string | undefined }): string {
  return `${batch.edgeId}\u0000${batch.instanceId ?? ""}`;
}
