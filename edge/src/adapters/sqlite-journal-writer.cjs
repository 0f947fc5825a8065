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
const insertGroup = db.transaction((topics, payloads, ats) => {
  const seqs = new Array(topics.length);
  for (let i = 0; i < topics.length; i++) seqs[i] = Number(insert.run(topics[i], payloads[i], ats[i]).lastInsertRowid);
  return seqs;
});
port.postMessage({ type: "ready" });

port.on("message", (message) => {
  if (message.type === "close") {
    db.close();
    port.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    return;
  }
  try {
    const payloads = message.ends.map((end, i) =>
      Buffer.from(message.bytes, i === 0 ? 0 : message.ends[i - 1], end - (i === 0 ? 0 : message.ends[i - 1])),
    );
    port.postMessage({ id: message.id, seqs: insertGroup(message.topics, payloads, message.ats) });
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
