import type { Device, HardwareProfile, ReaderQuirks } from "@tally/protocols";
import type { PlannedAction, PlannedRead } from "./plan-types.js";
import type { Random } from "./random.js";
import type { PortalPassStep } from "./scenario.js";

/** Most tag reads in one `read` message. */
export const MAX_READS_PER_MESSAGE = 50;
/** Portal reads are batched into one message per window of this length. */
export const READ_WINDOW_MS = 200;
/** A pass through a portal lasts this long unless the step or the hardware profile says otherwise, ms. */
export const DEFAULT_PASS_MS = 2000;
/** Reads per tag per antenna of a pass, unless the step or the hardware profile says otherwise. */
export const DEFAULT_READS_PER_TAG = { min: 3, max: 5 } as const;
/** Tags parked in a read field are read about this often by default (`parkedReadEvery`), ms. */
const PARKED_READ_PERIOD_MS = 3000;
/** A parked tag stands this far from the antennas by default, m (its reads are weak, not absent). */
const PARKED_DISTANCE_M = 3;
/** A parked tag's read RSSI varies by this much either way by default, dB. */
const PARKED_JITTER_DB = 3;
/** How far from the antenna an approaching pallet is at the start and end of an aborted pass, beyond its closest, m. */
const APPROACH_SPAN_M = 2.5;
/** A parked tag's read period varies by this share either way: real readers do not read on a beat. */
const PARKED_PERIOD_JITTER = 0.25;

/** The length of a portal pass step, ms. */
export function passLength(step: PortalPassStep, hw: HardwareProfile): number {
  return step.passMs ?? hw.portals?.pass ?? DEFAULT_PASS_MS;
}

type Portal = Extract<Device, { kind: "rfid-portal" }>;
type Read = { epc: string; antenna: number; rssi: number; offset: number };

/** The antennas of a portal as the simulator uses them: per side, or the one antenna of a one-antenna door. */
function antennasOf(device: Portal): { outer: number; inner: number } {
  if (device.evidence === "one-antenna") {
    const only = device.antennas.outer[0] ?? device.antennas.inner[0] ?? 1;
    return { outer: only, inner: only };
  }
  return { outer: device.antennas.outer[0] ?? 1, inner: device.antennas.inner[0] ?? 2 };
}

/**
 * The reads of one portal step, as messages in time order: a pass (outer
 * then inner antenna for an inbound door, the reverse outbound; one rising
 * and falling antenna at a one-antenna door), parked tags lingering in the
 * field, or an aborted approach; plus the neighbouring door's stray reads.
 * Each reader's quirks (clock offset, late bursts) apply to what it sends.
 */
export function* planPortalPass(
  step: PortalPassStep,
  device: Portal,
  random: Random,
  hw: HardwareProfile,
  portal: (id: string) => Portal | undefined,
): Generator<PlannedAction> {
  const passMs = passLength(step, hw);
  const perTag = step.readsPerTag ?? hw.portals?.readsPerTag ?? DEFAULT_READS_PER_TAG;
  const miss = hw.portals?.missProbability ?? 0;
  const atAntenna = hw.portals?.rssiAtAntennaDbm ?? -40;
  const fall = hw.portals?.rssiFallPerMetreDb ?? 8;
  const stray = hw.portals?.strayProbability ?? 0;
  const burst = hw.portals?.strayBurst;
  const neighbour = hw.portals?.neighbours[device.id];
  const neighbourPortal = neighbour === undefined ? undefined : portal(neighbour);
  const epcs = [...new Set(step.epcs.map((e) => e.toUpperCase()))];
  const { outer, inner } = antennasOf(device);
  const oneAntenna = device.evidence === "one-antenna";
  // Inbound goods meet the outer antenna first; outbound goods the inner one.
  const inbound = device.direction === "inbound";
  const [first, second] = inbound ? [outer, inner] : [inner, outer];
  const half = passMs / 2;
  const reads: Read[] = [];
  const strays: Read[] = [];
  const clampRssi = (dbm: number): number => Math.max(-120, Math.min(atAntenna, Math.round(dbm)));
  // Distance from the antenna that reads the tag at `offset` into a pass: two-sided, 0 at the middle of each
  // antenna's half of the pass and 2 m at its edges; one antenna at the door, 0 at the crossing.
  const metresAt = (offset: number): number => {
    if (oneAntenna) return (Math.abs(offset - half) / half) * 2;
    const from = offset < half ? 0 : half;
    return (Math.abs(offset - from - half / 2) / (half / 2)) * 2;
  };
  for (const epc of epcs) {
    if (step.parked === true) {
      reads.push(...lingerReads(epc, step, hw, random, { outer, inner, passMs, atAntenna, fall }));
      continue;
    }
    if (step.aborted !== undefined) {
      // Into the field on the side it comes from and back out: that antenna only, closest at the middle.
      const closest = step.aborted.closestM;
      const n = 2 * random.int(perTag.min, perTag.max);
      for (let i = 0; i < n; i++) {
        const offset = Math.floor(random.next() * passMs);
        const metres = closest + (Math.abs(offset - half) / half) * APPROACH_SPAN_M;
        const rssi = clampRssi(atAntenna - fall * metres + random.between(-2, 2));
        if (miss > 0 && random.next() < miss) continue;
        reads.push({ epc, antenna: first, rssi, offset });
      }
      continue;
    }
    if (oneAntenna) {
      // One antenna at the door: the tag comes closer, passes it, goes away.
      const n = 2 * random.int(perTag.min, perTag.max);
      for (let i = 0; i < n; i++) {
        const offset = Math.floor(random.next() * passMs);
        const rssi = clampRssi(atAntenna - fall * metresAt(offset) + random.between(-2, 2));
        if (miss > 0 && random.next() < miss) continue;
        reads.push({ epc, antenna: first, rssi, offset });
      }
    } else {
      for (const [antenna, from] of [
        [first, 0],
        [second, half],
      ] as const) {
        const n = random.int(perTag.min, perTag.max);
        for (let i = 0; i < n; i++) {
          const offset = Math.floor(from + random.next() * half);
          const rssi = clampRssi(atAntenna - fall * metresAt(offset) + random.between(-2, 2));
          if (miss > 0 && random.next() < miss) continue;
          reads.push({ epc, antenna, rssi, offset });
        }
      }
    }
    if (neighbourPortal !== undefined && stray > 0 && random.next() < stray) {
      const theirs = antennasOf(neighbourPortal);
      if (burst === undefined) {
        const n = random.int(1, 2);
        for (let i = 0; i < n; i++) {
          strays.push({
            epc,
            antenna: neighbourPortal.antennas.inner[0] ?? neighbourPortal.antennas.outer[0] ?? 1,
            rssi: clampRssi(atAntenna - fall * 4 + random.between(-3, 3)),
            offset: Math.floor(random.next() * passMs),
          });
        }
      } else {
        // The neighbour sees the tag go by through the wall: a burst around the crossing, on its antenna on the
        // side the tag is on at that moment, a few dB weaker than this door reads it then.
        const n = random.int(burst.reads.min, burst.reads.max);
        for (let i = 0; i < n; i++) {
          const offset = Math.floor(half / 2 + random.next() * half);
          const outside = offset < half === inbound;
          const weaker = random.between(burst.weakerDb.min, burst.weakerDb.max);
          strays.push({
            epc,
            antenna: outside ? theirs.outer : theirs.inner,
            rssi: clampRssi(atAntenna - fall * metresAt(offset) - weaker),
            offset,
          });
        }
      }
    }
  }
  const quirks = hw.portals?.readers ?? {};
  const out: PlannedAction[] = [
    ...windowed(device.id, step.at, passMs, reads, quirks[device.id]),
    ...(neighbourPortal === undefined
      ? []
      : windowed(neighbourPortal.id, step.at, passMs, strays, quirks[neighbourPortal.id])),
  ];
  out.sort((a, b) => a.atMs - b.atMs);
  yield* out;
}

/** Reads of one tag standing in a read field for the whole step: now and then, flat, where it stands. */
function lingerReads(
  epc: string,
  step: PortalPassStep,
  hw: HardwareProfile,
  random: Random,
  p: { outer: number; inner: number; passMs: number; atAntenna: number; fall: number },
): Read[] {
  const settings = { ...hw.portals?.parked, ...step.linger };
  const every = settings.readEvery ?? hw.portals?.parkedReadEvery ?? PARKED_READ_PERIOD_MS;
  const miss = settings.missProbability ?? hw.portals?.missProbability ?? 0;
  const level = settings.rssiDbm ?? p.atAntenna - p.fall * PARKED_DISTANCE_M;
  const jitter = settings.rssiJitterDb ?? PARKED_JITTER_DB;
  const position = settings.position ?? "doorway";
  const reads: Read[] = [];
  for (
    let offset = random.int(0, every);
    offset < p.passMs;
    offset += Math.max(1, Math.round(every * (1 + random.between(-PARKED_PERIOD_JITTER, PARKED_PERIOD_JITTER))))
  ) {
    if (miss > 0 && random.next() < miss) continue;
    const doorway = random.next() < 0.5 ? p.outer : p.inner;
    const antenna = position === "outside" ? p.outer : position === "inside" ? p.inner : doorway;
    const rssi = Math.max(-120, Math.min(p.atAntenna, Math.round(level + random.between(-jitter, jitter))));
    reads.push({ epc, antenna, rssi, offset });
  }
  return reads;
}

/**
 * When a reader with late bursts delivers a message it would send at
 * `atMs`: held messages go out together at the end of their hold.
 */
export function deliveredAt(atMs: number, quirks: ReaderQuirks | undefined): number {
  const bursts = quirks?.lateBursts;
  if (bursts === undefined) return atMs;
  const start = Math.floor(atMs / bursts.every) * bursts.every;
  return atMs - start < bursts.hold ? start + bursts.hold : atMs;
}

/** Reads grouped into one message per reader window (at most `MAX_READS_PER_MESSAGE` each), as the reader sends them. */
function windowed(
  deviceId: string,
  at: number,
  passMs: number,
  reads: Read[],
  quirks: ReaderQuirks | undefined,
): PlannedAction[] {
  // The reader stamps reads with its own clock, however far off it is; the truth stays at real time.
  const offsetMs = quirks?.clockOffset ?? 0;
  reads.sort((a, b) => a.offset - b.offset);
  const windows = new Map<number, PlannedRead[]>();
  for (const r of reads) {
    const w = Math.floor(r.offset / READ_WINDOW_MS);
    const list = windows.get(w) ?? [];
    list.push({ epc: r.epc, antenna: r.antenna, rssi: r.rssi, atMs: at + r.offset + offsetMs });
    windows.set(w, list);
  }
  const actions: PlannedAction[] = [];
  for (const [w, list] of windows) {
    // A reader reports a window once it is over (and never after the pass ends).
    const atMs = deliveredAt(at + Math.min((w + 1) * READ_WINDOW_MS, passMs), quirks);
    for (let i = 0; i < list.length; i += MAX_READS_PER_MESSAGE) {
      actions.push({ atMs, kind: "read", deviceId, reads: list.slice(i, i + MAX_READS_PER_MESSAGE) });
    }
  }
  return actions;
}
