import {
  type Device,
  glnKey,
  type Item,
  type SiteLayout,
  type TemperatureRange,
  type Zone,
  zoneOfLocation,
  zoneTemperatureRange,
} from "@tally/protocols";

/** Lookups over a site layout that the pipelines need on every message. */
export interface SiteIndex {
  site: SiteLayout;
  device(id: string): Device | undefined;
  itemByGtin(gtin: string): Item | undefined;
  itemBySku(sku: string): Item | undefined;
  hasLocation(code: string): boolean;
  /** The location whose label carries this GLN (AI 414) and extension (AI 254), if the site file names one. */
  locationByGln(gln: string, extension?: string): string | undefined;
  zoneOf(location: string): Zone | undefined;
  temperatureRangeAt(location: string): TemperatureRange | undefined;
  /** Whether two portals can read each other's tags: listed as neighbours, else in the same zone. */
  portalsNeighbour(a: string, b: string): boolean;
}

export function indexSite(site: SiteLayout): SiteIndex {
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const byGtin = new Map(site.items.flatMap((item) => item.gtins.map((gtin) => [gtin, item] as const)));
  const bySku = new Map(site.items.map((item) => [item.sku, item]));
  const locations = new Set(site.locations.map((l) => l.code));
  const byGln = new Map(
    site.locations.flatMap((l) => (l.gln === undefined ? [] : [[glnKey(l.gln, l.glnExtension), l.code] as const])),
  );
  const zones = new Map(site.zones.map((z) => [z.id, z]));
  // The site's own locations are looked up on every movement: their zones are worked out once.
  const zoneOfKnown = new Map(site.locations.map((l) => [l.code, zones.get(zoneOfLocation(l.code))]));
  const zoneOf = (location: string) =>
    zoneOfKnown.has(location) ? zoneOfKnown.get(location) : zones.get(zoneOfLocation(location));
  const neighbours = (id: string): Set<string> => {
    const portal = devices.get(id);
    if (portal?.kind !== "rfid-portal") return new Set();
    if (portal.neighbours !== undefined) return new Set(portal.neighbours);
    const zone = zoneOfLocation(portal.location);
    return new Set(
      site.devices
        .filter((d) => d.kind === "rfid-portal" && d.id !== id && zoneOfLocation(d.location) === zone)
        .map((d) => d.id),
    );
  };
  const neighbourSets = new Map(
    site.devices.filter((d) => d.kind === "rfid-portal").map((d) => [d.id, neighbours(d.id)]),
  );
  return {
    site,
    portalsNeighbour: (a, b) =>
      a !== b && ((neighbourSets.get(a)?.has(b) ?? false) || (neighbourSets.get(b)?.has(a) ?? false)),
    device: (id) => devices.get(id),
    itemByGtin: (gtin) => byGtin.get(gtin),
    itemBySku: (sku) => bySku.get(sku),
    hasLocation: (code) => locations.has(code),
    locationByGln: (gln, extension) => byGln.get(glnKey(gln, extension)),
    zoneOf,
    temperatureRangeAt: (location) => {
      const zone = zoneOf(location);
      return zone && zoneTemperatureRange(zone);
    },
  };
}
