/**
 * Run as a process of its own (`node --import tsx`): imports the edge's
 * entry and prints, as one JSON line, how many node-opcua modules were loaded
 * after the import and after an OPC-UA shelf was connected (and refused: no
 * server, no PKI). `lazy-opcua.test.ts` checks that the first is 0.
 */
import { createRequire } from "node:module";
import type { ShelfDevice } from "@tally/protocols";
import { pino } from "pino";

const loadedOpcuaModules = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/]node_modules[\\/]node-opcua/.test(path))
    .length;

const edge = await import("../index.js");
const atImport = loadedOpcuaModules();

const shelf = {
  id: "shelf-probe",
  kind: "shelf",
  transport: "opcua",
  // Port 1 on the loopback: nothing listens, nothing is sent anywhere.
  endpointUrl: "opc.tcp://127.0.0.1:1/UA/Probe",
  bins: [{ location: "PROBE/B1", sku: "SKU-1", nodeId: "ns=1;s=B1" }],
} as unknown as ShelfDevice;
const pki = Promise.reject(new Error("no client PKI in this probe"));
pki.catch(() => undefined);
const source = edge.connectOpcuaShelf(shelf, {
  logger: pino({ level: "silent" }),
  pki,
  mode: "development",
  secretEnv: {},
  onCondition: () => {},
  siteId: "PROBE",
  newId: () => "probe",
});
// The refusal comes after the session's module is loaded and its attempt made.
while (source.metrics().reconnects === 0) await new Promise((resolve) => setTimeout(resolve, 10));
const afterConnect = loadedOpcuaModules();
await source.close();
process.stdout.write(`${JSON.stringify({ atImport, afterConnect })}\n`);
