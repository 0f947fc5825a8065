import type { EdgeEvent } from "@tally/protocols";
import type { Outbox, OutboxUsage } from "../ports/outbox.js";

/**
 * An outbox in memory: events survive cloud and broker outages but not an
 * edge restart. The durable SQLite outbox replaces it (issue 7).
 */
export class MemoryOutbox implements Outbox {
  readonly #events = new Map<string, EdgeEvent>();
  #seq = 0;

  nextBatchSeq(): number {
    return this.#seq++;
  }

  async append(events: readonly EdgeEvent[]): Promise<void> {
    for (const event of events) this.#events.set(event.id, event);
  }

  async peek(max: number): Promise<EdgeEvent[]> {
    const out: EdgeEvent[] = [];
    for (const event of this.#events.values()) {
      if (out.length >= max) break;
      out.push(event);
    }
    return out;
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#events.delete(id);
  }

  depth(): number {
    return this.#events.size;
  }

  usage(): OutboxUsage {
    let bytes = 0;
    for (const event of this.#events.values()) bytes += JSON.stringify(event).length;
    return { bytes, shed: {} };
  }
}
