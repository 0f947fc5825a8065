import { decodeDeviceMessage, indexSite } from "@tally/edge";
import { deviceTopic } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import {
  checkMessageCount,
  expectedMovements,
  palletReads,
  READS_PER_PASS,
  rfidPayloads,
  scanPayload,
} from "./e2e-workload.js";

const site = indexSite(await readSiteFile(DEMO_SITE_FILE));
const at = Date.UTC(2026, 11, 3, 20, 0);

describe("the e2e benchmark's workloads", () => {
  it("are scans the edge takes as distinct RECEIPTs of a known item, even several in one millisecond", () => {
    const topic = deviceTopic("DEMO", "scanner-1", "scan");
    const ids = new Set<string>();
    for (let sub = 0; sub < 3; sub++) {
      const decoded = decodeDeviceMessage(site, topic, scanPayload(at, sub));
      if (!decoded.ok) throw new Error(decoded.error.reason);
      const [scan] = decoded.value;
      expect(scan?.type === "scan" && scan.action === "RECEIPT" && site.itemByGtin(scan.gtin)?.sku).toBe("WIDGET");
      ids.add(scan?.id ?? "");
      // The send time survives to the movement's occurredAt, which the latency is read from.
      expect(scan?.type === "scan" && Date.parse(scan.at)).toBe(at);
    }
    expect(ids.size).toBe(3);
  });

  it("reads the same in the generic format and as Impinj events, and is whole inbound passes", () => {
    const topic = deviceTopic("DEMO", "portal-d1", "read");
    const read = (payloads: Buffer[]) =>
      payloads.flatMap((p) => {
        const decoded = decodeDeviceMessage(site, topic, p);
        if (!decoded.ok) throw new Error(decoded.error.reason);
        return decoded.value.map((o) => (o.type === "tag-read" ? `${o.epc}/${o.antenna}/${o.at}` : o.type));
      });
    const generic = read(rfidPayloads("rfid-generic", 250, 7, at));
    const impinj = read(rfidPayloads("rfid-impinj", 250, 7, at));
    const batched = read(rfidPayloads("rfid-batch50", 5, 7, at));
    expect(generic).toHaveLength(250);
    expect(impinj).toEqual(generic);
    expect(batched).toEqual(generic);
    const tags = new Set(generic.map((r) => r.split("/")[0]));
    expect(tags.size).toBe(expectedMovements("rfid-generic", 250));
  });

  it("gives each serial range its own tags, outer antenna first", () => {
    const a = palletReads(250, 0, at);
    const b = palletReads(250, 25, at);
    const inA = new Set(a.map((r) => r.epc));
    expect(b.filter((r) => inA.has(r.epc))).toEqual([]);
    const first = a.filter((r) => r.epc === a[0]?.epc).map((r) => r.antenna);
    expect(first).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(first).toHaveLength(READS_PER_PASS);
  });

  it("counts movements per case and refuses counts that are not whole pallets or not counts", () => {
    expect(expectedMovements("scan", 300)).toBe(300);
    expect(expectedMovements("rfid-batch50", 10)).toBe(50);
    expect(checkMessageCount("rfid-batch50", 10)).toBeUndefined();
    expect(checkMessageCount("rfid-generic", 251)).toMatch(/whole pallets/);
    expect(checkMessageCount("rfid-batch50", 3)).toMatch(/whole pallets/);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(checkMessageCount("scan", bad)).toMatch(/positive integer/);
    }
  });
});
