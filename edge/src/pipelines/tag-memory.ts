/**
 * What the RFID pipelines remember about tags across a restart: which tags
 * stand parked at a portal, and which door each tag last crossed, in which
 * direction and to where. Kept durably beside the journal by the edge
 * (`SqliteTagMemory`) and in memory in tests.
 */

/** A tag found parked (present longer than the stationary limit) at a portal. */
export interface ParkedTag {
  portalId: string;
  /** EPC, upper-case hex. */
  epc: string;
  /** When its presence began, ms since the epoch (corrected device time). */
  sinceMs: number;
  /** Its latest read, ms since the epoch (corrected device time). */
  lastAtMs: number;
  /** The strongest read while it stood, dBm: its leaving must be clearly stronger. */
  dwellMaxRssi: number;
}

/** The pipelines' hook into durable parked-tag memory. */
export interface ParkedTagStore {
  /** Tags parked when the edge stopped: a presence that continues one of them is parked from its first read. */
  loadParked(): Iterable<ParkedTag>;
  /** A tag became parked, or a parked tag was read again (written at most every few seconds per tag). */
  park(tag: ParkedTag): void;
  /** A parked tag left (crossed) or its presence ended. */
  unpark(portalId: string, epc: string): void;
}

/** Parked-tag memory that lasts as long as the process: the default, and for tests. */
export class MemoryParkedTags implements ParkedTagStore {
  readonly #tags = new Map<string, ParkedTag>();

  loadParked(): Iterable<ParkedTag> {
    return [...this.#tags.values()];
  }

  park(tag: ParkedTag): void {
    this.#tags.set(`${tag.portalId}|${tag.epc}`, { ...tag });
  }

  unpark(portalId: string, epc: string): void {
    this.#tags.delete(`${portalId}|${epc}`);
  }

  get size(): number {
    return this.#tags.size;
  }
}
