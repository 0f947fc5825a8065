/** What the cloud knows of one edge, from the batches it sent. */
export interface EdgeRecord {
  edgeId: string;
  siteId: string;
  /** The edge process now sending (a new one at every start); undefined for edges that do not say. */
  instanceId?: string | undefined;
  /** When this instance first sent, ISO. */
  instanceSince?: string | undefined;
  /** Highest batch sequence number committed. */
  lastSeq: number;
  lastSeenAt: string;
  batches: number;
  /** Batches that arrived after a higher sequence number had (a resend, or a late copy). */
  resends: number;
  /** Sequence numbers skipped: batches that never arrived, or were sent before the edge lost its outbox. */
  seqGaps: number;
  /** Set when two processes send as this edge: its batches are refused until an admin releases it. */
  quarantine?: { since: string; reason: string } | undefined;
}

export type Admission =
  | { admitted: true }
  | {
      admitted: false;
      reason: string;
      /** True for the batch that caused the quarantine: the caller raises the alert once. */
      newlyQuarantined: boolean;
    };

export interface EdgeRegistryOptions {
  /**
   * After a new instance of an edge appears, batches from the one before are
   * still accepted this long (a restart's last batches may arrive late), ms.
   * Past it, the old instance speaking again means two live edges.
   */
  graceMs?: number;
  now?: () => number;
}

/** Instances remembered per edge, to tell an old one coming back from a new one. */
const REMEMBERED_INSTANCES = 16;

interface EdgeState extends EdgeRecord {
  instanceSinceMs: number;
  previous: string[];
}

/**
 * Keeps, per edge, its sequence numbers and which process speaks for it, and
 * quarantines an identity that two processes use at once: each edge process
 * sends a fresh `instanceId`, so a restart shows as a new instance taking
 * over, while two edges configured with one id keep alternating. Pure and in
 * memory: each cloud instance keeps its own view (see docs/decisions).
 */
export class EdgeRegistry {
  readonly #edges = new Map<string, EdgeState>();
  readonly #graceMs: number;
  readonly #now: () => number;

  constructor(options: EdgeRegistryOptions = {}) {
    this.#graceMs = options.graceMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a batch from this edge (and instance) may be committed. */
  admit(batch: { edgeId: string; siteId: string; instanceId?: string | undefined }): Admission {
    const now = this.#now();
    const state = this.#state(batch.edgeId, batch.siteId, now);
    if (state.quarantine !== undefined) {
      return { admitted: false, reason: state.quarantine.reason, newlyQuarantined: false };
    }
    const instance = batch.instanceId;
    if (instance === undefined || instance === state.instanceId) return { admitted: true };
    if (state.instanceId === undefined) {
      this.#takeOver(state, instance, now);
      return { admitted: true };
    }
    if (state.previous.includes(instance)) {
      if (now - state.instanceSinceMs <= this.#graceMs) return { admitted: true };
      const reason = `two edge processes send as ${batch.edgeId} (instances ${instance} and ${state.instanceId}); its batches are refused until it is released`;
      state.quarantine = { since: new Date(now).toISOString(), reason };
      return { admitted: false, reason, newlyQuarantined: true };
    }
    this.#takeOver(state, instance, now);
    return { admitted: true };
  }

  /** Records a committed batch's sequence number. */
  committed(batch: { edgeId: string; siteId: string; seq: number }): void {
    const now = this.#now();
    const state = this.#state(batch.edgeId, batch.siteId, now);
    state.batches++;
    state.lastSeenAt = new Date(now).toISOString();
    if (state.batches === 1) {
      state.lastSeq = batch.seq;
      return;
    }
    if (batch.seq <= state.lastSeq) {
      state.resends++;
      return;
    }
    state.seqGaps += batch.seq - state.lastSeq - 1;
    state.lastSeq = batch.seq;
  }

  /** Lifts a quarantine (after the duplicate edge was fixed); false when the edge is unknown. */
  release(edgeId: string): boolean {
    const state = this.#edges.get(edgeId);
    if (state === undefined) return false;
    state.quarantine = undefined;
    state.previous = [];
    state.instanceId = undefined;
    return true;
  }

  list(): EdgeRecord[] {
    return [...this.#edges.values()]
      .map(({ instanceSinceMs: _ms, previous: _previous, ...record }) => ({ ...record }))
      .sort((a, b) => a.edgeId.localeCompare(b.edgeId));
  }

  get(edgeId: string): EdgeRecord | undefined {
    return this.list().find((e) => e.edgeId === edgeId);
  }

  /** Seq gaps summed over edges (a metric). */
  totalSeqGaps(): number {
    let total = 0;
    for (const state of this.#edges.values()) total += state.seqGaps;
    return total;
  }

  #takeOver(state: EdgeState, instance: string, now: number): void {
    if (state.instanceId !== undefined)
      state.previous = [state.instanceId, ...state.previous].slice(0, REMEMBERED_INSTANCES);
    state.instanceId = instance;
    state.instanceSinceMs = now;
    state.instanceSince = new Date(now).toISOString();
  }

  #state(edgeId: string, siteId: string, now: number): EdgeState {
    let state = this.#edges.get(edgeId);
    if (state === undefined) {
      state = {
        edgeId,
        siteId,
        lastSeq: 0,
        lastSeenAt: new Date(now).toISOString(),
        batches: 0,
        resends: 0,
        seqGaps: 0,
        instanceSinceMs: now,
        previous: [],
      };
      this.#edges.set(edgeId, state);
    }
    return state;
  }
}
