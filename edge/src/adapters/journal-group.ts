/** What the device journal hands its writer thread per message. */
export interface GroupEntry {
  topic: string;
  payload: Uint8Array;
  receivedAt: number;
}

/** Bytes before the entries' headers: their count. */
const COUNT_BYTES = 4;
/** Per entry: its topic's UTF-8 length, its payload's length (u32 each) and its receive time (f64). */
const ENTRY_HEADER_BYTES = 16;

/**
 * A group of journal appends as one buffer of its own, to move to the writer
 * thread without a copy or a structured clone of arrays (decision 0201):
 * the count (u32), then each entry's topic length, payload length (u32) and
 * receive time (f64), all little-endian, then each entry's topic (UTF-8) and
 * payload, in order. `journal-group-decode.cjs` reads it back on the writer thread.
 */
export function encodeGroup(entries: readonly GroupEntry[]): ArrayBuffer {
  const topicLengths = new Array<number>(entries.length);
  let total = COUNT_BYTES + ENTRY_HEADER_BYTES * entries.length;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as GroupEntry;
    const topicLength = Buffer.byteLength(entry.topic, "utf8");
    topicLengths[i] = topicLength;
    total += topicLength + entry.payload.byteLength;
  }
  const buffer = new ArrayBuffer(total);
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  view.setUint32(0, entries.length, true);
  let at = COUNT_BYTES + ENTRY_HEADER_BYTES * entries.length;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as GroupEntry;
    const header = COUNT_BYTES + ENTRY_HEADER_BYTES * i;
    const topicLength = topicLengths[i] as number;
    view.setUint32(header, topicLength, true);
    view.setUint32(header + 4, entry.payload.byteLength, true);
    view.setFloat64(header + 8, entry.receivedAt, true);
    bytes.write(entry.topic, at, topicLength, "utf8");
    at += topicLength;
    bytes.set(entry.payload, at);
    at += entry.payload.byteLength;
  }
  return buffer;
}
