import { DEFAULT_PIPELINE_CONFIG, decodeDeviceMessage, indexSite } from "@tally/edge";
import { decodeEpc, deviceTopic } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import { describe, expect, it } from "vitest";
import { BENCH_PIPELINE, tagReadPayloads } from "./rfid-bench.js";

describe("the rfid benchmark's workload", () => {
  it("is pallets of known items passing the portal inwards, each tag one pass the edge will see", async () => {
    const site = await readSiteFile(DEMO_SITE_FILE);
    const index = indexSite(site);
    const { payloads, tags } = tagReadPayloads(100, 5);
    expect(tags).toBe(50);
    const byTag = new Map<string, { antenna: number; atMs: number }[]>();
    for (const payload of payloads) {
      const decoded = decodeDeviceMessage(index, deviceTopic(site.siteId, "portal-d1", "read"), payload);
      if (!decoded.ok) throw new Error(decoded.error.reason);
      expect(decoded.value).toHaveLength(5);
      for (const o of decoded.value) {
        if (o.type !== "tag-read") throw new Error(`not a read: ${o.type}`);
        byTag.set(o.epc, [...(byTag.get(o.epc) ?? []), { antenna: o.antenna, atMs: Date.parse(o.at) }]);
      }
    }
    expect(byTag.size).toBe(tags);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const [epc, reads] of byTag) {
      const decoded = decodeEpc(epc);
      expect(decoded.ok && decoded.value.scheme === "sgtin-96" && index.itemByGtin(decoded.value.gtin)?.sku).toBe(
        "WIDGET",
      );
      // At least the portal's minReads, outer antenna first: the pass is inbound by the antennas' order.
      expect(reads.map((r) => r.antenna)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
      const outer = mean(reads.filter((r) => r.antenna === 1).map((r) => r.atMs));
      const inner = mean(reads.filter((r) => r.antenna === 2).map((r) => r.atMs));
      expect(inner - outer).toBeGreaterThanOrEqual(DEFAULT_PIPELINE_CONFIG.passes.minDirectionGapMs);
      // No gap in device time that would split the pass.
      for (let i = 1; i < reads.length; i++) {
        expect((reads[i]?.atMs ?? 0) - (reads[i - 1]?.atMs ?? 0)).toBeLessThan(BENCH_PIPELINE.passes.silenceMs);
      }
    }
  });

  it("refuses a read count that is not whole pallets", () => {
    expect(() => tagReadPayloads(3, 7)).toThrow(/multiple of 250/);
  });
});
