import type { ScenarioStep } from "../scenario.js";
import type { CompileContext } from "./context.js";

type ScanAction = "RECEIPT" | "PUTAWAY" | "PICK" | "COUNT";

/**
 * An operator's scan, with the scenario's operator errors (a wrong item
 * scanned, a double scan): `sku` is what really moves; `actualLocation` where
 * it really goes when that is not `loc`.
 */
export function scan(
  ctx: CompileContext,
  at: number,
  scanner: string,
  sku: string,
  qty: number,
  action: ScanAction,
  loc: string,
  from?: string,
  actualLocation?: string,
): void {
  const { random, site, steps } = ctx;
  const scannerErrors = ctx.file.hardware.scanners;
  ctx.device(scanner, "scanner");
  let gtin = ctx.gtinOf(sku);
  let actualSku: string | undefined;
  if (scannerErrors !== undefined && random.next() < scannerErrors.wrongItemProbability) {
    const others = site.items.filter((i) => i.sku !== sku && i.gtins.length > 0);
    const other = others[random.int(0, others.length - 1)];
    if (other?.gtins[0] !== undefined) {
      gtin = other.gtins[0];
      actualSku = sku;
    }
  }
  const actual =
    actualSku !== undefined || actualLocation !== undefined
      ? {
          actual: {
            ...(actualSku !== undefined && { sku: actualSku }),
            ...(actualLocation !== undefined && { location: actualLocation }),
          },
        }
      : {};
  const step: ScenarioStep = {
    kind: "scan",
    at,
    deviceId: scanner,
    gtin,
    qty,
    action,
    location: loc,
    ...(from !== undefined && { fromLocation: from }),
    ...actual,
  };
  steps.push(step);
  if (scannerErrors !== undefined && random.next() < scannerErrors.doubleScanProbability) {
    steps.push({ ...step, at: at + 800, moves: false });
  }
}

/** How a bin's change relates to the truth: not a movement (theft), or the weight side of a scanned PICK. */
export interface LoadFlags {
  moves?: false;
  scanned?: true;
}

/**
 * Units go on (`units` > 0) or off a bin: the load cell's side of a putaway
 * or pick, when the bin is on a smart shelf (nothing otherwise).
 */
export function load(
  ctx: CompileContext,
  at: number,
  bin: string,
  sku: string,
  units: number,
  flags: LoadFlags = {},
): void {
  const shelf = ctx.shelfOf.get(bin);
  if (shelf === undefined) return;
  ctx.steps.push({
    kind: "shelf-load",
    at: ctx.binSlot(bin, at),
    deviceId: shelf.deviceId,
    location: bin,
    units,
    ...(sku !== shelf.sku && { sku }),
    ...(flags.moves === false && { moves: false as const }),
    ...(flags.scanned === true && { scanned: true as const }),
  });
}
