// Reads back a group of journal appends as `encodeGroup` (journal-group.ts) laid it out: a u32 count, per
// entry its topic's and payload's lengths (u32) and receive time (f64), little-endian, then each topic
// (UTF-8) and payload. Plain JavaScript, so that the writer thread (started without the TypeScript loader)
// requires the very code the tests round-trip through.

/** Bytes before the entries' headers: their count. */
const COUNT_BYTES = 4;
/** Per entry: its topic's UTF-8 length, its payload's length (u32 each) and its receive time (f64). */
const ENTRY_HEADER_BYTES = 16;

/**
 * Calls `visit(topic, payload, receivedAt, index)` for each entry of `buffer`, in order; payloads are
 * views into the buffer, not copies. Returns the entries' count.
 */
function forEachGroupEntry(buffer, visit) {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  const count = view.getUint32(0, true);
  let at = COUNT_BYTES + ENTRY_HEADER_BYTES * count;
  for (let i = 0; i < count; i++) {
    const header = COUNT_BYTES + ENTRY_HEADER_BYTES * i;
    const topicLength = view.getUint32(header, true);
    const payloadLength = view.getUint32(header + 4, true);
    const topic = bytes.toString("utf8", at, at + topicLength);
    at += topicLength;
    const payload = bytes.subarray(at, at + payloadLength);
    at += payloadLength;
    visit(topic, payload, view.getFloat64(header + 8, true), i);
  }
  return count;
}

module.exports = { forEachGroupEntry };
