// The device journal's writer thread (see sqlite-journal.ts): it takes groups of
// appends and commits each in one transaction, so the fsync that makes a group
// durable blocks this thread, not the edge's event loop. Plain JavaScript: a
// worker thread does not get the TypeScript loader of the main one.
const { workerData } = require("node:worker_threads");
const Database = require(workerData.sqlitePath);

const port = workerData.port;
const closed = new Int32Array(workerData.closedFlag);
const db = new Database(workerData.file);
db.pragma("synchronous = FULL");
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
const insert = db.prepare("INSERT INTO journal (topic, payload, at) VALUES (?, ?, ?)");
/**
 * Inserts a group as `encodeGroup` (journal-group.ts) laid it out: a u32 count, per entry its topic's and
 * payload's lengths (u32) and receive time (f64), little-endian, then each topic (UTF-8) and payload.
 */
const insertGroup = db.transaction((buffer) => {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer);
  const count = view.getUint32(0, true);
  const seqs = new Array(count);
  let at = 4 + 16 * count;
  for (let i = 0; i < count; i++) {
    const header = 4 + 16 * i;
    const topicLength = view.getUint32(header, true);
    const payloadLength = view.getUint32(header + 4, true);
    const topic = bytes.toString("utf8", at, at + topicLength);
    at += topicLength;
    const payload = bytes.subarray(at, at + payloadLength);
    at += payloadLength;
    seqs[i] = Number(insert.run(topic, payload, view.getFloat64(header + 8, true)).lastInsertRowid);
  }
  return seqs;
});
// The checkpoint, and the messages it lets go: on this thread too, so that its fsync and the delete of what
// it forgets stop neither the event loop nor, as a second writer, this thread's group commits.
const upsertCheckpoint = db.prepare(
  "INSERT INTO journal_meta (name, value) VALUES ('checkpoint', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE excluded.value > value",
);
const prune = db.prepare("DELETE FROM journal WHERE seq <= ? AND at < ?");
const markPruned = db.prepare(
  "INSERT INTO journal_meta (name, value) VALUES ('pruned', 1) ON CONFLICT (name) DO NOTHING",
);
const setCheckpoint = db.transaction((seq, keepSince) => {
  upsertCheckpoint.run(seq);
  const pruned = prune.run(seq, keepSince).changes > 0;
  if (pruned) markPruned.run();
  return pruned;
});
port.postMessage({ type: "ready" });

function checkpoint(message) {
  try {
    port.postMessage({ type: "checkpointed", id: message.id, pruned: setCheckpoint(message.seq, message.keepSince) });
  } catch (error) {
    port.postMessage({
      type: "checkpointed",
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

port.on("message", (message) => {
  if (message.type === "close") {
    db.close();
    port.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    return;
  }
  if (message.type === "checkpoint") {
    checkpoint(message);
    return;
  }
  try {
    port.postMessage({ id: message.id, seqs: insertGroup(message.bytes) });
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
