/**
 * Child process for the outbox durability test: appends telemetry events in
 * batches of 100 to the SQLite outbox named by argv[2], reporting the count
 * after each durable append, until argv[3] events or a SIGKILL.
 */
import { SqliteOutbox } from "@tally/edge";
import { telemetryEvent } from "../contract/outbox-contract.js";

const [file, totalText] = process.argv.slice(2);
if (file === undefined || totalText === undefined) throw new Error("usage: outbox-writer <file> <count>");
const outbox = new SqliteOutbox(file);
const total = Number(totalText);
for (let n = 0; n < total; n += 100) {
  await outbox.append(Array.from({ length: 100 }, (_, i) => telemetryEvent(n + i)));
  process.send?.(n + 100);
}
// Stay alive until killed: the test kills it while it may still be writing.
setInterval(() => undefined, 1000);
