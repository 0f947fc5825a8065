import { fileURLToPath } from "node:url";
import { encodeSgtin96, type SiteLayout } from "@tally/protocols";
import type { Scenario, ScenarioStep } from "./scenario.js";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** GS1 company prefix of the demo items (0614141): 7 digits. */
const COMPANY_PREFIX_DIGITS = 7;

/**
 * The built-in `demo` scenario (about 22 s at speed 1) for the demo site
 * (`scenarios/demo-site.yaml`): a truck of tagged WIDGET, GADGET and MILK
 * through portal-d1, a SOAP receipt by scanner, putaways to the pick face and
 * the chilled room, two shelf picks, and a cold-room excursion to 11 °C.
 *
 * End positions: D1 SOAP 24 and WIDGET 2, A1 WIDGET 7, A2 GADGET 3, C1 MILK 6.
 */
export function demoScenario(site: SiteLayout): Scenario {
  const s = site.siteId;
  const gtin = (sku: string): string => {
    const found = site.items.find((i) => i.sku === sku)?.gtins[0];
    if (found === undefined) {
      throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, `the demo scenario needs item ${sku} with a GTIN`);
    }
    return found;
  };
  let serial = 1_000_001;
  const tags = (sku: string, count: number): string[] =>
    Array.from({ length: count }, () => {
      const epc = encodeSgtin96({ gtin: gtin(sku), companyPrefixDigits: COMPANY_PREFIX_DIGITS, serial: serial++ });
      if (!epc.ok)
        throw new SimulatorError(SimulatorErrorCode.ScenarioInvalid, `demo EPC for ${sku}: ${epc.error.message}`);
      return epc.value;
    });
  const D1 = `${s}/DOCK/D1`;
  // Putaway starts 7 s after the truck's last read: time for the edge to close and confirm its passes.
  const steps: ScenarioStep[] = [
    { kind: "temperature", at: 0, deviceId: "temp-c1", minC: 4, maxC: 5 },
    {
      kind: "portal-pass",
      at: 1000,
      deviceId: "portal-d1",
      epcs: [...tags("WIDGET", 12), ...tags("GADGET", 4), ...tags("MILK", 6)],
    },
    { kind: "scan", at: 5000, deviceId: "scanner-1", gtin: gtin("SOAP"), qty: 24, action: "RECEIPT", location: D1 },
    {
      kind: "scan",
      at: 10_000,
      deviceId: "scanner-1",
      gtin: gtin("WIDGET"),
      qty: 10,
      action: "PUTAWAY",
      fromLocation: D1,
      location: `${s}/PICK/A1`,
    },
    { kind: "shelf-load", at: 10_500, deviceId: "shelf-1", location: `${s}/PICK/A1`, units: 10 },
    {
      kind: "scan",
      at: 11_000,
      deviceId: "scanner-1",
      gtin: gtin("GADGET"),
      qty: 4,
      action: "PUTAWAY",
      fromLocation: D1,
      location: `${s}/PICK/A2`,
    },
    { kind: "shelf-load", at: 11_500, deviceId: "shelf-1", location: `${s}/PICK/A2`, units: 4 },
    {
      kind: "scan",
      at: 12_000,
      deviceId: "scanner-1",
      gtin: gtin("MILK"),
      qty: 6,
      action: "PUTAWAY",
      fromLocation: D1,
      location: `${s}/COLD/C1`,
    },
    { kind: "shelf-load", at: 14_000, deviceId: "shelf-1", location: `${s}/PICK/A1`, units: -3 },
    { kind: "shelf-load", at: 16_000, deviceId: "shelf-1", location: `${s}/PICK/A2`, units: -1 },
    // Chilled is 2–8 °C: the cold room warms to 11 °C and stays there.
    { kind: "temperature", at: 16_000, deviceId: "temp-c1", minC: 10.5, maxC: 11.5 },
  ];
  const graceS = Object.fromEntries(site.devices.flatMap((d) => (d.kind === "temperature" ? [[d.id, d.graceS]] : [])));
  return { name: "demo", seed: 20_261_122, durationMs: 22_000, steps, graceS };
}

/** Path of the demo site file that `demoScenario` is written for. */
export const DEMO_SITE_FILE = fileURLToPath(new URL("../scenarios/demo-site.yaml", import.meta.url));
