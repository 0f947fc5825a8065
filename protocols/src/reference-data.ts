import { z } from "zod";
import { Timestamp } from "./device-messages.js";
import { Gtin14, Item, LocationCode } from "./site-layout.js";

/** An SSCC: 18 digits, the last a GS1 check digit. */
export const Sscc = z.string().regex(/^\d{18}$/, "expected an 18-digit SSCC");

/** One line of an expected receipt or shipment: a quantity of a SKU, or a whole pallet by SSCC. */
export const ExpectedLine = z
  .object({
    sku: z.string().min(1).max(64),
    qty: z.number().int().min(1).max(1_000_000),
    /** The logistic unit (pallet) the quantity travels on, when known (ASN / despatch advice). */
    sscc: Sscc.optional(),
    /** GTIN of the item, when the line names it. */
    gtin: Gtin14.optional(),
    lot: z.string().min(1).max(20).optional(),
  })
  .strict();
export type ExpectedLine = z.infer<typeof ExpectedLine>;

export const ExpectedStatus = z.enum(["open", "closed"]);
export type ExpectedStatus = z.infer<typeof ExpectedStatus>;

/**
 * What a site expects to receive (an advance shipping notice): at which dock
 * door, roughly when, and which lines. The edge matches portal reads against
 * the open ones.
 */
export const ExpectedReceipt = z
  .object({
    id: z.string().min(1).max(64),
    siteId: z.string().min(1).max(64),
    /** The dock door location it should arrive through; any inbound door when absent. */
    dock: LocationCode.optional(),
    expectedAt: Timestamp.optional(),
    status: ExpectedStatus,
    lines: z.array(ExpectedLine).min(1).max(10_000),
  })
  .strict();
export type ExpectedReceipt = z.infer<typeof ExpectedReceipt>;

/** What a site is to ship, and through which dock door. */
export const ExpectedShipment = z
  .object({
    id: z.string().min(1).max(64),
    siteId: z.string().min(1).max(64),
    dock: LocationCode,
    expectedAt: Timestamp.optional(),
    status: ExpectedStatus,
    lines: z.array(ExpectedLine).min(1).max(10_000),
  })
  .strict();
export type ExpectedShipment = z.infer<typeof ExpectedShipment>;

/** Units of a SKU the ledger holds at a location (all lots together). */
export const BinStock = z
  .object({
    location: LocationCode,
    sku: z.string().min(1).max(64),
    units: z.number().int().min(-1_000_000_000).max(1_000_000_000),
  })
  .strict();
export type BinStock = z.infer<typeof BinStock>;

/**
 * The reference data an edge needs from the cloud and keeps a cached copy of
 * to work offline: the item master and the open expected receipts and
 * shipments of its site. `GET /v1/sites/{siteId}/reference-data`.
 */
export const ReferenceData = z
  .object({
    siteId: z.string().min(1).max(64),
    /** When the cloud produced this copy. */
    asOf: Timestamp,
    items: z.array(Item),
    expectedReceipts: z.array(ExpectedReceipt),
    expectedShipments: z.array(ExpectedShipment),
    /**
     * The ledger's units per location and SKU at the site's locations (non-zero
     * positions only), which smart shelves compare their own counts with
     * (COUNT_MISMATCH). Absent from an older cloud: no comparison.
     */
    binStock: z.array(BinStock).max(200_000).optional(),
  })
  .strict();
export type ReferenceData = z.infer<typeof ReferenceData>;
