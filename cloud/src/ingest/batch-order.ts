/** How long a batch waits for the batch it names as `after` before it is left unacknowledged, ms. */
export const DEFAULT_HOLD_MS = 5000;
/** Settled batch seqs remembered per edge process. */
const REMEMBERED_SEQS = 1024;
/** Edge processes remembered (each edge restart is a new one). */
const REMEMBERED_SENDERS = 4096;

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

export interface BatchOrderOptions {
  holdMs?: number;
  /** Told of each batch that arrived before the batch it names as `after` (metrics). */
  onHeld?: (batch: OrderedBatch) => void;
  /** Told of each batch given up after the hold (metrics). */
  onExpired?: (batch: OrderedBatch) => void;
}

interface SenderState {
  /** Seqs of this edge process whose batches committed (insertion order, bounded). */
  settled: Set<number>;
  /** Seqs being committed now, or waiting to. */
  pending: Set<number>;
  /** Woken when a seq settles. */
  waiters: Map<number, Set<() => void>>;
}

/**
 * Commits each edge's batches in the order the edge sent them: one at a time
 * per edge, and a batch naming an `after` only once that batch has committed
 * in this cloud process. A batch whose predecessor has not committed within
 * the hold throws `PredecessorNotCommitted`: nothing of it commits and no ack
 * leaves, so the edge sends both again, in order.
 *
 * Settled seqs are kept per edge process (`instanceId`): an edge names only
 * batches of its own process as `after`, and an edge with an outbox in
 * memory starts its seqs again at each start. In memory only: after a cloud
 * restart the edge's resends of the unacknowledged predecessors settle them
 * again (as duplicates).
 */
export class BatchOrder {
  readonly #holdMs: number;
  readonly #senders = new Map<string, SenderState>();
  /** Per edge, the end of its commit queue. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(private readonly options: BatchOrderOptions = {}) {
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  /** Runs `commit` in the batch's turn; `settles` says whether its result counts as committed. */
  async inTurn<T>(batch: OrderedBatch, commit: () => Promise<T>, settles: (result: T) => boolean): Promise<T> {
    const sender = this.#sender(batch);
    sender.pending.add(batch.seq);
    try {
      if (batch.after !== undefined && !sender.settled.has(batch.after)) {
        if (!sender.pending.has(batch.after)) this.options.onHeld?.(batch);
        if (!(await this.#settledWithin(sender, batch.after))) {
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
    }
  }

  /** Whether this edge process's batch `seq` committed here (tests, diagnostics). */
  isSettled(batch: { edgeId: string; instanceId?: string | undefined }, seq: number): boolean {
    return this.#senders.get(senderKey(batch))?.settled.has(seq) ?? false;
  }

  #settledWithin(sender: SenderState, seq: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiters = sender.waiters.get(seq) ?? new Set();
      sender.waiters.set(seq, waiters);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) sender.waiters.delete(seq);
        resolve(false);
      }, this.#holdMs);
      // A held batch must not keep a closing cloud alive.
      timer.unref?.();
      waiters.add(wake);
    });
  }

  #settle(sender: SenderState, seq: number): void {
    sender.settled.delete(seq);
    sender.settled.add(seq);
    for (const old of sender.settled) {
      if (sender.settled.size <= REMEMBERED_SEQS) break;
      sender.settled.delete(old);
    }
    const waiters = sender.waiters.get(seq);
    sender.waiters.delete(seq);
    for (const wake of waiters ?? []) wake();
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
