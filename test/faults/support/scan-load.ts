/**
 * The fault suite's load: a scanner publishing barcode scans (QoS 1) to the
 * edge's device broker, as a real device would (mqtt.js resends what was not
 * acknowledged after each reconnect). Each scan is one RECEIPT movement with a
 * lot of its own, so the checker can find it again in the ledger. It records
 * every scan it published and every one the edge acknowledged (PUBACK): an
 * acknowledged scan is an event the edge accepted, which must reach the
 * ledger exactly once.
 */
import { deviceTopic } from "@tally/protocols";
import { seededRandom } from "@tally/simulators";
import mqtt from "mqtt";
import type { SentScan } from "./ledger-check.js";

export interface ScanLoadOptions {
  /** The edge's device broker. */
  url: string;
  siteId: string;
  deviceId: string;
  /** Where the scanner is (its RECEIPTs go there). */
  location: string;
  /** Items to scan, picked at random (seeded). */
  items: readonly { sku: string; gtin: string }[];
  /** Scans to publish (at most: `finish` can end the load sooner). */
  count: number;
  seed: number;
  /** Prefix of every lot of this load, ≤ 8 characters, unique in the ledger under test. */
  tag: string;
  /** Most publishes waiting for their PUBACK (default 256). */
  window?: number;
  /** Publishes per second (default: as fast as the window allows). */
  ratePerS?: number;
}

export interface ScanLoad {
  /** Every scan published, by lot (acknowledged or not). */
  readonly sent: ReadonlyMap<string, SentScan>;
  /** Lots of the scans the edge acknowledged. */
  readonly acked: ReadonlySet<string>;
  /** Resolves once every scan is acknowledged. */
  readonly done: Promise<void>;
  /** Publishes nothing more: `done` then waits only for what was published. */
  finish(): void;
  /** Resolves once at least `n` scans are acknowledged. */
  ackedAtLeast(n: number): Promise<void>;
  /** Stops publishing and disconnects (unacknowledged scans stay unacknowledged). */
  close(): Promise<void>;
}

/** Strictly increasing scan times across loads in one test process: each scan's observation id is its own. */
let lastStampMs = 0;

/** The scan for sequence number `n` of a load: pure, so a seed and a tag say exactly what was sent. */
export function scanFor(
  n: number,
  options: Pick<ScanLoadOptions, "items" | "tag" | "location">,
  random: () => number,
  at: Date,
): { message: Record<string, unknown>; scan: SentScan } {
  const item = options.items[Math.floor(random() * options.items.length)];
  if (item === undefined) throw new Error("a scan load needs at least one item");
  const qty = 1 + Math.floor(random() * 9);
  const lot = `${options.tag}${n.toString(36).padStart(6, "0")}`;
  const scannedAt = at.toISOString();
  return {
    message: { gtin: item.gtin, qty, action: "RECEIPT", lot, scannedAt },
    scan: { lot, sku: item.sku, qty, movementType: "RECEIPT", to: options.location, occurredAt: scannedAt },
  };
}

export async function startScanLoad(options: ScanLoadOptions): Promise<ScanLoad> {
  if (options.tag.length === 0 || options.tag.length > 8) throw new Error("tag must be 1–8 characters");
  const window = options.window ?? 256;
  const random = seededRandom(options.seed);
  const sent = new Map<string, SentScan>();
  const acked = new Set<string>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const topic = deviceTopic(options.siteId, options.deviceId, "scan");
  const client = mqtt.connect(options.url, {
    clientId: `fault-load-${options.tag}`,
    clean: true,
    reconnectPeriod: 250,
    connectTimeout: 5000,
    keepalive: 30,
  });
  client.on("error", () => undefined);
  let next = 0;
  let limit = options.count;
  let inFlight = 0;
  let closed = false;
  let tokens = 0;
  let lastRefill = Date.now();
  let pacer: NodeJS.Timeout | undefined;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const settle = () => {
    for (const w of waiters.splice(0)) {
      if (acked.size >= w.n) w.resolve();
      else waiters.push(w);
    }
    if (acked.size === limit) resolveDone();
  };

  const pump = () => {
    if (options.ratePerS !== undefined) {
      const now = Date.now();
      tokens = Math.min(tokens + ((now - lastRefill) * options.ratePerS) / 1000, Math.max(1, options.ratePerS / 10));
      lastRefill = now;
    }
    while (!closed && next < limit && inFlight < window) {
      if (options.ratePerS !== undefined) {
        if (tokens < 1) break;
        tokens -= 1;
      }
      const n = next++;
      lastStampMs = Math.max(lastStampMs + 1, Date.now());
      const { message, scan } = scanFor(n, options, random.next, new Date(lastStampMs));
      sent.set(scan.lot, scan);
      inFlight += 1;
      client.publish(topic, JSON.stringify(message), { qos: 1 }, (error) => {
        inFlight -= 1;
        if (error === undefined || error === null) acked.add(scan.lot);
        settle();
        pump();
      });
    }
    if (options.ratePerS !== undefined && !closed && next < limit && pacer === undefined) {
      pacer = setTimeout(() => {
        pacer = undefined;
        pump();
      }, 10);
    }
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scan load could not connect to ${options.url}`)), 30_000);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  pump();
  return {
    sent,
    acked,
    done,
    finish: () => {
      limit = next;
      settle();
    },
    ackedAtLeast: (n) =>
      new Promise((resolve) => {
        waiters.push({ n, resolve });
        settle();
      }),
    close: async () => {
      closed = true;
      if (pacer !== undefined) clearTimeout(pacer);
      await client.endAsync(true);
    },
  };
}
