// The OPC-UA bench's shelf server and stand-in cloud, run as a child process so the bench's CPU figures are the
// edge's alone. argv[2]: JSON { port, bins, changeMs }. Prints `ready <ingestUrl>` once both listen, then changes
// every bin every changeMs (alternately one unit down and back up), until stdin closes. The stand-in cloud
// answers `POST /v1/ingest` by committing every event of the batch, as the cloud's acknowledgement says it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import { pino } from "pino";

const { port, bins, changeMs } = JSON.parse(process.argv[2] ?? "{}") as {
  port: number;
  bins: number;
  changeMs: number;
};

/** Acknowledges a batch as committed in full (no ledger behind it: the bench measures the edge). */
function ingest(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const batch = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      edgeId: string;
      batchId: string;
      seq: number;
      events: { id: string }[];
      readings?: { id: string[] };
    };
    response.setHeader("content-type", "application/json");
    response.end(
      JSON.stringify({
        v: 1,
        edgeId: batch.edgeId,
        batchId: batch.batchId,
        seq: batch.seq,
        status: "committed",
        committed: batch.events.map((e) => e.id),
        duplicates: [],
        rejected: [],
        ...(batch.readings !== undefined && { readings: { committed: batch.readings.id.length } }),
        committedAt: new Date().toISOString(),
      }),
    );
  });
}

const cloud = createServer(ingest);
await new Promise<void>((resolve) => cloud.listen(0, "127.0.0.1", resolve));
const ingestUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;

const site = shelfSiteAtScale({ endpointUrl: `opc.tcp://127.0.0.1:${port}/UA/TallyShelf`, bins });
const device = site.devices[0];
if (device?.kind !== "shelf") throw new Error("no shelf");
const shelf = await startOpcuaShelf(device, pino({ level: "silent" }));
const locations = device.bins.map((b) => b.location);
for (const location of locations) shelf.setGrams(location, 2500);
let down = true;
const timer = setInterval(() => {
  const grams = down ? 2250 : 2500;
  down = !down;
  for (const location of locations) shelf.setGrams(location, grams);
}, changeMs);
process.stdout.write(`ready ${ingestUrl}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  clearInterval(timer);
  cloud.close();
  void shelf.close().then(() => process.exit(0));
});
