// The OPC-UA bench's shelf server, run as a child process so the bench's CPU figures are the edge's alone.
// argv[2]: JSON { port, bins, changeMs }. Prints `ready` once it listens, then changes every bin every changeMs
// (alternately one unit down and back up), until stdin closes.
import { shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import { pino } from "pino";

const { port, bins, changeMs } = JSON.parse(process.argv[2] ?? "{}") as {
  port: number;
  bins: number;
  changeMs: number;
};
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
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("end", () => {
  clearInterval(timer);
  void shelf.close().then(() => process.exit(0));
});
