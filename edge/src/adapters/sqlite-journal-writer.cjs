// The device journal's writer thread (see sqlite-journal.ts): it takes groups of
// appends and commits each in one transaction, so the fsync that makes a group
// durable blocks this thread, not the edge's event loop. Plain JavaScript: a
// worker thread does not get the TypeScript loader of the main one.
const { workerData } = require("node:worker_threads");
const Database = require(workerData.sqlitePath);
const { forEachGroupEntry } = require("./journal-group-decode.cjs");

const port = workerData.port;
const closed = new Int32Array(workerData.closedFlag);
const db = new Database(workerData.file);
db.pragma("synchronous = FULL");
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
const insert = db.prepare("INSERT INTO journal (topic, payload, at) VALUES (?, ?, ?)");
/** Inserts a group made by `encodeGroup` (journal-group.ts); returns each entry's seq, in order. */
const insertGroup = db.transaction((buffer) => {
  const seqs = [];
  forEachGroupEntry(buffer, (topic, payload, receivedAt, i) => {
    seqs[i] = Number(insert.run(topic, payload, receivedAt).lastInsertRowid);
  });
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
