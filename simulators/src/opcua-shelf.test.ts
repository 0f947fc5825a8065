import type { ShelfDevice } from "@tally/protocols";
import { AttributeIds, type ClientSubscription, TimestampsToReturn } from "node-opcua";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type OpcuaShelf, startOpcuaShelf } from "./opcua-shelf.js";
import { freePort, openOpcuaSession } from "./test-support.js";

const logger = pino({ level: "silent" });

const shelfOn = (port: number): ShelfDevice => ({
  id: "shelf-1",
  kind: "shelf",
  transport: "opcua",
  endpointUrl: `opc.tcp://127.0.0.1:${port}/UA/TallyShelf`,
  bins: [
    { location: "DEMO/PICK/A1", sku: "WIDGET", nodeId: "ns=1;s=shelf-1/DEMO/PICK/A1/weight" },
    { location: "DEMO/PICK/A2", sku: "GADGET", nodeId: "ns=1;s=shelf-1/DEMO/PICK/A2/weight" },
    { location: "DEMO/PICK/A3", sku: "SOAP", nodeId: "ns=2;i=42" },
  ],
});

describe("startOpcuaShelf", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("serves each bin's weight in grams at its node id and reports changes", async () => {
    const port = await freePort();
    const shelf: OpcuaShelf = await startOpcuaShelf(shelfOn(port), logger);
    cleanups.push(() => shelf.close());
    expect(shelf.endpointUrl).toBe(`opc.tcp://127.0.0.1:${port}/UA/TallyShelf`);
    const client = await openOpcuaSession(shelf.endpointUrl);
    cleanups.push(() => client.close());

    expect(await client.read("ns=1;s=shelf-1/DEMO/PICK/A1/weight")).toBe(0);
    expect(await client.read("ns=1;s=shelf-1/DEMO/PICK/A2/weight")).toBe(0);
    expect(await client.read("ns=2;i=42")).toBe(0);
    const namespaces = await client.read("ns=0;i=2255"); // Server_NamespaceArray
    expect(namespaces).toEqual([
      "http://opcfoundation.org/UA/",
      "urn:tally:simulators:shelf:shelf-1",
      "urn:tally:simulators:shelf:shelf-1:ns2",
    ]);

    const subscription: ClientSubscription = await client.session.createSubscription2({
      requestedPublishingInterval: 20,
      publishingEnabled: true,
    });
    const item = await subscription.monitor(
      { nodeId: "ns=1;s=shelf-1/DEMO/PICK/A1/weight", attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    const seen: unknown[] = [];
    let firstSeen: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      firstSeen = resolve;
    });
    const reached = new Promise<void>((resolve) => {
      item.on("changed", (value) => {
        seen.push(value.value.value);
        firstSeen();
        if (value.value.value === 1750) resolve();
      });
    });
    // The monitored item's first notification (its value now) may come after monitor() resolves: wait for it,
    // or a change made meanwhile would be the first value seen.
    await first;

    shelf.setGrams("DEMO/PICK/A1", 2500);
    expect(await client.read("ns=1;s=shelf-1/DEMO/PICK/A1/weight")).toBe(2500);
    shelf.setGrams("DEMO/PICK/A1", 1750);
    await reached;
    expect(seen).toContain(1750);
    expect(seen.at(0)).toBe(0);
    expect(shelf.grams("DEMO/PICK/A1")).toBe(1750);
    expect(await client.read("ns=1;s=shelf-1/DEMO/PICK/A2/weight")).toBe(0);
    expect(() => shelf.setGrams("DEMO/PICK/Z9", 1)).toThrow(/no bin at DEMO\/PICK\/Z9/);
  });

  it("refuses port 0 and namespace 0 before starting anything", async () => {
    await expect(startOpcuaShelf(shelfOn(0), logger)).rejects.toThrow(/port 0 is not allowed/);
    const device = shelfOn(await freePort());
    const bins = [{ location: "DEMO/PICK/A1", sku: "WIDGET", nodeId: "ns=0;i=85" }];
    await expect(startOpcuaShelf({ ...device, bins }, logger)).rejects.toThrow(/namespace 0/);
  });
});
