import type { ShelfDevice } from "@tally/protocols";
import { AttributeIds, type ClientSubscription, TimestampsToReturn } from "node-opcua";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type OpcuaShelf, startOpcuaShelf } from "./opcua-shelf.js";
import { shelfSiteAtScale } from "./shelf-site-at-scale.js";
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

  it("serves thousands of bins in a browsable folder, within its MaxMonitoredItemsPerCall", async () => {
    const port = await freePort();
    const site = shelfSiteAtScale({
      endpointUrl: `opc.tcp://127.0.0.1:${port}/UA/TallyShelf`,
      bins: 3000,
      browse: true,
    });
    const device = site.devices[0];
    if (device?.kind !== "shelf") throw new Error("no shelf");
    const shelf = await startOpcuaShelf(device, logger, { maxMonitoredItemsPerCall: 500 });
    cleanups.push(() => shelf.close());
    const client = await openOpcuaSession(shelf.endpointUrl);
    cleanups.push(() => client.close());
    const names: string[] = [];
    let result = await client.session.browse("ns=1;s=shelf-scale/bins");
    for (;;) {
      for (const ref of result.references ?? []) names.push(ref.browseName.name ?? "");
      if (result.continuationPoint === undefined || result.continuationPoint === null) break;
      if (result.continuationPoint.length === 0) break;
      result = await client.session.browseNext(result.continuationPoint, false);
    }
    expect(names).toHaveLength(3000);
    expect(names).toContain("W-B00001");
    expect(names).toContain("W-B03000");
    expect(await client.read("ns=0;i=11714")).toBe(500); // OperationLimits_MaxMonitoredItemsPerCall
  });

  it("stops and starts on the same port with the same certificate, serving weights set while it was down", async () => {
    const port = await freePort();
    const shelf = await startOpcuaShelf(shelfOn(port), logger);
    cleanups.push(() => shelf.close());
    shelf.setGrams("DEMO/PICK/A1", 1000);
    const certificate = shelf.certificate();
    await shelf.stop();
    expect(shelf.running).toBe(false);
    await expect(openOpcuaSession(shelf.endpointUrl)).rejects.toThrow();
    shelf.setGrams("DEMO/PICK/A1", 750);
    await shelf.start();
    expect(shelf.running).toBe(true);
    expect(shelf.certificate().equals(certificate)).toBe(true);
    const client = await openOpcuaSession(shelf.endpointUrl);
    cleanups.push(() => client.close());
    expect(await client.read("ns=1;s=shelf-1/DEMO/PICK/A1/weight")).toBe(750);
  });

  it("serves a bin's value with the status code it is given, and refuses names that are not status codes", async () => {
    const shelf = await startOpcuaShelf(shelfOn(await freePort()), logger);
    cleanups.push(() => shelf.close());
    const client = await openOpcuaSession(shelf.endpointUrl);
    cleanups.push(() => client.close());
    shelf.setStatus("DEMO/PICK/A2", "BadSensorFailure");
    const value = await client.session.read({
      nodeId: "ns=1;s=shelf-1/DEMO/PICK/A2/weight",
      attributeId: AttributeIds.Value,
    });
    expect(value.statusCode.name).toBe("BadSensorFailure");
    expect(() => shelf.setStatus("DEMO/PICK/A2", "constructor")).toThrow(/not an OPC-UA status code/);
    expect(() => shelf.setStatus("DEMO/PICK/Z9", "Good")).toThrow(/no bin at/);
  });

  it("refuses port 0 and namespace 0 before starting anything", async () => {
    await expect(startOpcuaShelf(shelfOn(0), logger)).rejects.toThrow(/port 0 is not allowed/);
    const device = shelfOn(await freePort());
    const bins = [{ location: "DEMO/PICK/A1", sku: "WIDGET", nodeId: "ns=0;i=85" }];
    await expect(startOpcuaShelf({ ...device, bins }, logger)).rejects.toThrow(/namespace 0/);
  });
});
