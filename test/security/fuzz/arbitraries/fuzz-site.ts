import { SiteLayout } from "@tally/protocols";

/**
 * The site every fuzz suite works on: one device of each kind and one portal
 * per reader dialect (and one that detects it), an MQTT shelf, chilled and
 * ambient zones, items with valid GTINs.
 */
export const FUZZ_SITE: SiteLayout = SiteLayout.parse({
  siteId: "FZ",
  zones: [
    { id: "DOCK", kind: "dock" },
    { id: "PICK", kind: "picking" },
    { id: "COLD", kind: "storage", temperatureClass: "chilled" },
    { id: "SHIP", kind: "shipping" },
  ],
  locations: [
    { code: "FZ/DOCK/D1", zone: "DOCK" },
    { code: "FZ/DOCK/D2", zone: "DOCK" },
    { code: "FZ/PICK/A1", zone: "PICK" },
    { code: "FZ/PICK/A2", zone: "PICK" },
    { code: "FZ/COLD/C1", zone: "COLD" },
    { code: "FZ/SHIP/S1", zone: "SHIP" },
  ],
  devices: [
    { id: "portal-generic", kind: "rfid-portal", location: "FZ/DOCK/D1", direction: "inbound", format: "generic" },
    { id: "portal-zebra", kind: "rfid-portal", location: "FZ/DOCK/D1", direction: "inbound", format: "zebra" },
    { id: "portal-impinj", kind: "rfid-portal", location: "FZ/DOCK/D2", direction: "outbound", format: "impinj" },
    { id: "portal-detect", kind: "rfid-portal", location: "FZ/DOCK/D2", direction: "inbound" },
    { id: "scanner-1", kind: "scanner", location: "FZ/DOCK/D1" },
    {
      id: "shelf-1",
      kind: "shelf",
      transport: "mqtt",
      bins: [
        { location: "FZ/PICK/A1", sku: "WIDGET" },
        { location: "FZ/PICK/A2", sku: "GADGET" },
      ],
    },
    { id: "temp-1", kind: "temperature", location: "FZ/COLD/C1" },
  ],
  items: [
    { sku: "WIDGET", gtins: ["00614141000012"], unitWeightG: 250, weightToleranceG: 20 },
    { sku: "GADGET", gtins: ["00614141000029"], unitWeightG: 400, weightToleranceG: 25 },
    { sku: "MILK", gtins: ["00614141000036"], unitWeightG: 1040, temperatureClass: "chilled" },
    { sku: "SOAP", gtins: ["00614141000043"], unitWeightG: 100 },
  ],
});

export const FUZZ_LOCATIONS: readonly string[] = FUZZ_SITE.locations.map((l) => l.code);
export const FUZZ_SKUS: readonly string[] = FUZZ_SITE.items.map((i) => i.sku);
export const FUZZ_GTINS: readonly string[] = FUZZ_SITE.items.flatMap((i) => i.gtins);
