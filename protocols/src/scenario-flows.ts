import { z } from "zod";
import { Duration, Id, Loc, Probability, Range } from "./scenario-units.js";

/**
 * Expected documents a flow announces to the cloud through its HTTP API: an
 * expected receipt (ASN) per truck, or an expected shipment per shipment,
 * created `lead` before the first pallet and closed `closeAfter` the last
 * one passed the door (a closed receipt with lines not seen raises
 * MISSING_EXPECTED at the edge).
 */
export const ExpectedDocuments = z
  .object({
    /** How long before the first pallet the document is created. Default 5 min. */
    lead: Duration.prefault(300),
    /** How long after the last pallet the document is closed. Default 2 min. */
    closeAfter: Duration.prefault(120),
  })
  .strict();
export type ExpectedDocuments = z.output<typeof ExpectedDocuments>;

/** A recurring flow of work; the simulator expands it with the scenario's seed. */
export const ScenarioFlow = z.discriminatedUnion("kind", [
  z
    .object({
      /** Trucks unloading pallets of tagged items through inbound portals, against an ASN, then put away by scanner. */
      kind: z.literal("inbound"),
      at: Duration.default(0),
      trucks: z.number().int().min(1).max(10_000),
      every: Duration,
      /** Inbound portals, used in turn. */
      doors: z.array(Id).min(1),
      pallets: Range,
      itemsPerPallet: Range,
      skus: z.array(Id).min(1),
      /** Putaway after each truck: scanner, and where each SKU goes. */
      putaway: z
        .object({ scanner: Id, to: z.record(Id, Loc), after: Duration.prefault(60) })
        .strict()
        .optional(),
      /** Chance that an item on the ASN does not arrive (the ASN is in the ground truth). */
      asnShortProbability: Probability.default(0),
      /** Create each truck's ASN in the cloud before it arrives and close it after (absent: the ASN is in the truth only). */
      expected: ExpectedDocuments.optional(),
      /**
       * Share of pallets (0–1) that carry one SSCC-96 pallet tag and untagged
       * items, listed on the ASN by SSCC; the others carry SGTIN-96 item tags.
       * Needs `expected`: the edge learns a pallet's contents from the open ASN.
       */
      sscc: Probability.default(0),
    })
    .strict()
    .refine((f) => f.sscc === 0 || f.expected !== undefined, {
      message: "SSCC pallets need `expected`: their contents come from the ASN",
      path: ["sscc"],
    }),
  z
    .object({
      /** Picks by scanner from storage, or by hand from smart shelf bins (seen by their load cells). */
      kind: z.literal("picks"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(1_000_000),
      every: Duration,
      from: z.array(Loc).min(1),
      qty: Range,
      /** A scanner id for scanner picks; omit for shelf picks. */
      scanner: Id.optional(),
    })
    .strict(),
  z
    .object({
      /** When a shelf bin falls below `below` units after a pick, refill it to `upTo` from `from` (putaway scan + load). */
      kind: z.literal("replenishment"),
      scanner: Id,
      from: Loc,
      bins: z.array(Loc).min(1),
      below: z.number().int().min(0),
      upTo: z.number().int().min(1),
      after: Duration.prefault(30),
    })
    .strict(),
  z
    .object({
      /** Tagged items staged at an outbound door (putaway scan) and shipped through its portal. */
      kind: z.literal("outbound"),
      at: Duration.default(0),
      shipments: z.number().int().min(1).max(10_000),
      every: Duration,
      door: Id,
      scanner: Id,
      from: z.array(Loc).min(1),
      items: Range,
      /** Create each shipment's expected shipment in the cloud (dock = the door) and close it after the pallet left. */
      expected: ExpectedDocuments.optional(),
      /**
       * Ship untagged units as one SSCC-96 tagged pallet per shipment, its
       * contents listed on the expected shipment (needs `expected`); default:
       * tagged items, each read by its SGTIN.
       */
      sscc: z.boolean().default(false),
    })
    .strict()
    .refine((f) => !f.sscc || f.expected !== undefined, {
      message: "SSCC pallets need `expected`: their contents come from the expected shipment",
      path: ["sscc"],
    }),
  z
    .object({
      /** Tagged items carried through a zone portal (a portal with `zonePortal`) from its outside location to its inside. */
      kind: z.literal("transfer"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      /** The zone portal. */
      portal: Id,
      items: Range,
      /** Only these SKUs (default: whatever tagged stock is at the outside location). */
      skus: z.array(Id).min(1).optional(),
    })
    .strict(),
  z
    .object({
      /** Shipped tagged items coming back through an inbound portal. */
      kind: z.literal("returns"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      door: Id,
      items: Range,
    })
    .strict(),
  z
    .object({
      /** Cycle counts: COUNT scans of what really is at a location. */
      kind: z.literal("cycle-count"),
      at: Duration.default(0),
      count: z.number().int().min(1).max(10_000),
      every: Duration,
      scanner: Id,
      locations: z.array(Loc).min(1),
    })
    .strict(),
]);
export type ScenarioFlow = z.output<typeof ScenarioFlow>;
