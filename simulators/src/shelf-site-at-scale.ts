import { type OpcuaSampling, type OpcuaShelfSecurity, SiteLayout } from "@tally/protocols";

/** What `shelfSiteAtScale` builds: a site of one zone of smart-shelf bins, all holding one item. */
export interface ShelfSiteAtScaleOptions {
  endpointUrl: string;
  /** Bins on the shelf (and locations in the zone). */
  bins: number;
  siteId?: string;
  shelfId?: string;
  /** Find the bins by browsing a folder (`ns=1;s=<shelfId>/bins`, browse names `W-{bin}`) instead of node ids. */
  browse?: boolean;
  sampling?: OpcuaSampling;
  security?: OpcuaShelfSecurity;
  /**
   * What a drop nobody scanned is (default `allow`: this site has no scanners, every drop is a pick;
   * `suspect`: a SUSPECTED_THEFT without an open pick order). With `allow` nothing waits to be fused.
   */
  unscannedPicks?: "allow" | "suspect";
}

/** The one item on every bin: 250 g a unit, so a pick of n units is n × 250 g. */
export const SCALE_ITEM = { sku: "BOLT-BOX", unitWeightG: 250, weightToleranceG: 20 } as const;

/**
 * A site with one OPC-UA shelf of thousands of bins (`SITE/PICK/B00001`…),
 * for scale tests, benchmarks and fault timelines: started with
 * `startOpcuaShelf`, watched by the edge like any site file's shelf.
 */
export function shelfSiteAtScale(options: ShelfSiteAtScaleOptions): SiteLayout {
  const siteId = options.siteId ?? "SCALE";
  const shelfId = options.shelfId ?? "shelf-scale";
  const width = Math.max(5, String(options.bins).length);
  const locations = Array.from(
    { length: options.bins },
    (_, i) => `${siteId}/PICK/B${String(i + 1).padStart(width, "0")}`,
  );
  return SiteLayout.parse({
    siteId,
    zones: [{ id: "PICK", kind: "picking", temperatureClass: "ambient" }],
    locations: locations.map((code) => ({ code, zone: "PICK" })),
    devices: [
      {
        id: shelfId,
        kind: "shelf",
        transport: "opcua",
        endpointUrl: options.endpointUrl,
        ...(options.browse === true
          ? { browse: { folderNodeId: `ns=1;s=${shelfId}/bins`, binPattern: "W-{bin}" } }
          : {}),
        ...(options.sampling !== undefined ? { sampling: options.sampling } : {}),
        ...(options.security !== undefined ? { security: options.security } : {}),
        unscannedPicks: options.unscannedPicks ?? "allow",
        // No scanner at this site: no scan to wait for, each change is decided at once.
        ...((options.unscannedPicks ?? "allow") === "allow" ? { fusionWindowS: 0 } : {}),
        bins: locations.map((location) => ({
          location,
          sku: SCALE_ITEM.sku,
          ...(options.browse === true ? {} : { nodeId: `ns=1;s=${shelfId}/${location}` }),
        })),
      },
    ],
    items: [{ ...SCALE_ITEM, name: "Box of bolts" }],
  });
}
