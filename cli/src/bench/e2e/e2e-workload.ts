import { encodeSgtin96 } from "@tally/protocols";

/** What a publisher of the e2e benchmark sends. */
export type E2eWorkload = "scan" | "rfid-generic" | "rfid-impinj" | "rfid-batch50";

/** The GTIN of the demo site's WIDGET: every scan and every tag is one of these. */
export const BENCH_GTIN = "00614141000012";
/** Tags in the portal's field at once (cartons on one pallet). */
export const TAGS_IN_FIELD = 25;
/** Reads of each tag in its pass: the first half on the outer antenna, the second on the inner one. */
export const READS_PER_PASS = 10;
/** Device time between two reads, ms: a pallet's 250 reads span 0.5 s, so the antennas' order is clear. */
const READ_EVERY_MS = 2;
/** Reads per message in the batched RFID case. */
export const BATCH_READS = 50;

/** One read in Tally's generic form. */
export interface GenericRead {
  epc: string;
  antenna: number;
  rssi: number;
  readAt: string;
}

/** Reads in one message of a workload. */
export function readsPerMessage(workload: E2eWorkload): number {
  switch (workload) {
    case "scan":
      return 0;
    case "rfid-generic":
    case "rfid-impinj":
      return 1;
    case "rfid-batch50":
      return BATCH_READS;
  }
}

/** Movements the ledger must end up with for `messages` messages of a workload: one per scan, one per tag pass. */
export function expectedMovements(workload: E2eWorkload, messages: number): number {
  if (workload === "scan") return messages;
  return (messages * readsPerMessage(workload)) / READS_PER_PASS;
}

/** Messages of a workload are whole pallets (RFID); a count that is not is refused before anything starts. */
export function checkMessageCount(workload: E2eWorkload, messages: number): string | undefined {
  if (!Number.isInteger(messages) || messages < 1) return `messages must be a positive integer, not ${messages}`;
  const reads = messages * readsPerMessage(workload);
  const perPallet = TAGS_IN_FIELD * READS_PER_PASS;
  if (workload !== "scan" && reads % perPallet !== 0) {
    return `${workload}: ${reads} reads is not whole pallets of ${perPallet} reads`;
  }
  return undefined;
}

/**
 * `reads` reads of pallets of TAGS_IN_FIELD new SGTIN-96 tags going in through
 * the door, serials from `serialBase` (a range of its own per run, so no tag
 * passes twice), each read READS_PER_PASS times, outer antenna first, every
 * READ_EVERY_MS of device time from `startMs`. Every tag is one inbound pass.
 */
export function palletReads(reads: number, serialBase: number, startMs: number): GenericRead[] {
  const out: GenericRead[] = [];
  for (let pallet = 0; out.length < reads; pallet++) {
    const epcs: string[] = [];
    for (let k = 0; k < TAGS_IN_FIELD; k++) {
      const hex = encodeSgtin96({
        gtin: BENCH_GTIN,
        companyPrefixDigits: 7,
        serial: serialBase + pallet * TAGS_IN_FIELD + k,
      });
      if (!hex.ok) throw new Error(hex.error.message);
      epcs.push(hex.value);
    }
    for (let r = 0; r < READS_PER_PASS; r++) {
      for (const [k, epc] of epcs.entries()) {
        out.push({
          epc,
          antenna: r < READS_PER_PASS / 2 ? 1 : 2,
          rssi: -48 - ((k + r) % 20),
          readAt: new Date(startMs + out.length * READ_EVERY_MS).toISOString(),
        });
      }
    }
  }
  return out.slice(0, reads);
}

/** Device time the reads of `messages` messages span, ms: publishers start their reads this far in the past. */
export function readSpanMs(workload: E2eWorkload, messages: number): number {
  return messages * readsPerMessage(workload) * READ_EVERY_MS;
}

/**
 * One read as an Impinj IoT device interface `tagInventory` event (one event
 * per MQTT message, as the reader publishes them): EPC as hex, RSSI in
 * centi-dBm.
 */
export function impinjEvent(read: GenericRead): Record<string, unknown> {
  return {
    timestamp: read.readAt,
    hostname: "impinj-bench",
    eventType: "tagInventory",
    tagInventoryEvent: {
      epcHex: read.epc,
      antennaPort: read.antenna,
      peakRssiCdbm: read.rssi * 100,
      lastSeenTime: read.readAt,
    },
  };
}

/** The RFID payloads of a workload, made before the clock starts. */
export function rfidPayloads(workload: E2eWorkload, messages: number, serialBase: number, startMs: number): Buffer[] {
  const perMessage = readsPerMessage(workload);
  const reads = palletReads(messages * perMessage, serialBase, startMs);
  const payloads: Buffer[] = [];
  for (let m = 0; m < messages; m++) {
    const slice = reads.slice(m * perMessage, (m + 1) * perMessage);
    const body = workload === "rfid-impinj" ? impinjEvent(slice[0] as GenericRead) : { reads: slice };
    payloads.push(Buffer.from(JSON.stringify(body)));
  }
  return payloads;
}

/**
 * A RECEIPT scan of one WIDGET whose `scannedAt` is the moment it is sent:
 * the ledger's commit time minus it is the publish → commit latency.
 * `subMicros` (0–999) makes two scans sent in the same millisecond distinct
 * (the edge names a scan by its device and `scannedAt`; two alike are one scan).
 */
export function scanPayload(sentAtMs: number, subMicros: number, location?: string): Buffer {
  const iso = new Date(sentAtMs).toISOString();
  const scannedAt = `${iso.slice(0, 23)}${String(subMicros).padStart(3, "0")}Z`;
  return Buffer.from(
    JSON.stringify({
      gtin: BENCH_GTIN,
      qty: 1,
      action: "RECEIPT",
      scannedAt,
      ...(location !== undefined && { location }),
    }),
  );
}
