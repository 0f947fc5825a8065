import {
  gs1CheckDigit,
  type LingerReads,
  type ScenarioFault,
  type ScenarioFile,
  zoneOfLocation,
} from "@tally/protocols";
import { FOREIGN_GTIN_BASE, STAGING_DISTANCE_M } from "./constants.js";
import { type CompileContext, invalid } from "./context.js";
import type { RecordFault } from "./record-fault.js";

export type PortalFault = Extract<
  ScenarioFault,
  {
    kind:
      | "reader-offline"
      | "unknown-tags"
      | "parked-tags"
      | "staging-lane"
      | "aborted-pass"
      | "wrong-zone"
      | "wrong-dock"
      | "unexpected-items"
      | "short-delivery";
  }
>;

/** RFID portal faults: readers offline, foreign, parked, staged or turned-back tags, wrong zones and docks. */
export function applyPortalFault(ctx: CompileContext, fault: PortalFault, at: number, record: RecordFault): void {
  switch (fault.kind) {
    case "reader-offline": {
      const d = ctx.portal(fault.device);
      ctx.steps.push({ kind: "device-state", at, deviceId: d.id, state: "offline" });
      ctx.steps.push({ kind: "device-state", at: at + fault.duration, deviceId: d.id, state: "online" });
      record({
        endMs: at + fault.duration,
        deviceId: d.id,
        location: d.location,
        detail: `${d.id} offline`,
        detectedBy: [{ source: "alert", type: "DEVICE_SILENT" }],
      });
      return;
    }
    case "unknown-tags": {
      const d = ctx.portal(fault.device);
      const gtin = `${FOREIGN_GTIN_BASE}${gs1CheckDigit(FOREIGN_GTIN_BASE)}`;
      const epcs = Array.from({ length: fault.count }, () => ctx.newTag(gtin));
      ctx.steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
      record({
        deviceId: d.id,
        location: d.location,
        detail: `${fault.count} tags of an unknown GTIN through ${d.id}`,
        detectedBy: [{ source: "task", type: "UNKNOWN_TAG", location: d.location }],
        scoredBy: "tasks",
      });
      return;
    }
    case "parked-tags":
      applyParkedTags(ctx, fault, at, record);
      return;
    case "staging-lane":
      applyStagingLane(ctx, fault, at, record);
      return;
    case "aborted-pass":
      applyAbortedPass(ctx, fault, at, record);
      return;
    case "wrong-zone":
      applyWrongZone(ctx, fault, at, record);
      return;
    case "wrong-dock":
      ctx.portal(fault.device, "outbound");
      ctx.wrongDocks.push({ at, device: fault.device });
      return;
    case "unexpected-items":
    case "short-delivery":
      if (fault.device !== undefined) ctx.portal(fault.device, "inbound");
      ctx.gtinOf(fault.sku);
      ctx.pendingTruckFaults.push({ at, fault });
      return;
  }
}

function applyParkedTags(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "parked-tags" }>,
  at: number,
  record: RecordFault,
): void {
  const d = ctx.portal(fault.device);
  const epcs = Array.from({ length: fault.count }, () => ctx.newTag(ctx.gtinOf(fault.sku)));
  const linger = lingerOf(fault);
  ctx.steps.push({
    kind: "portal-pass",
    at,
    deviceId: d.id,
    epcs,
    passMs: fault.duration,
    parked: true,
    ...(Object.keys(linger).length > 0 && { linger }),
  });
  // Leaving: an ordinary pass right after, which a correct edge records (once).
  if (fault.leaves) ctx.steps.push({ kind: "portal-pass", at: at + fault.duration, deviceId: d.id, epcs });
  const standing = linger.position === undefined ? "" : ` (${linger.position})`;
  record({
    endMs: at + fault.duration,
    deviceId: d.id,
    location: d.location,
    detail: `${fault.count} ${fault.sku} tags parked in ${d.id}'s field${standing}${fault.leaves ? `, then through it (${d.direction})` : ""}`,
    detectedBy: [],
    epcs: epcs.map(ctx.tagUri),
    ...(fault.leaves && { crosses: true }),
  });
}

function applyStagingLane(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "staging-lane" }>,
  at: number,
  record: RecordFault,
): void {
  const { random } = ctx;
  const d = ctx.portal(fault.device);
  for (const sku of fault.skus) ctx.gtinOf(sku);
  // Weakly read from the outside by default: pallets waiting in the lane, a few metres from the outer antenna.
  const linger = { position: "outside" as const, rssiDbm: stagingRssi(ctx.file), ...lingerOf(fault) };
  const epcs: string[] = [];
  for (let p = 0; p < fault.pallets; p++) {
    const dwell = Math.round(random.between(fault.dwell.min, fault.dwell.max));
    const arrives = at + Math.round(random.next() * (fault.duration - dwell));
    const n = random.int(fault.itemsPerPallet.min, fault.itemsPerPallet.max);
    if (n === 0) continue;
    const sku = fault.skus[random.int(0, fault.skus.length - 1)] ?? "";
    const tags = Array.from({ length: n }, () => ctx.newTag(ctx.gtinOf(sku)));
    epcs.push(...tags);
    ctx.steps.push({
      kind: "portal-pass",
      at: arrives,
      deviceId: d.id,
      epcs: tags,
      passMs: dwell,
      parked: true,
      linger,
    });
  }
  record({
    endMs: at + fault.duration,
    deviceId: d.id,
    location: d.location,
    detail: `${fault.pallets} pallets (${epcs.length} tags) coming and going in the staging lane ${linger.position} ${d.id}`,
    detectedBy: [],
    epcs: epcs.map(ctx.tagUri),
  });
}

function applyAbortedPass(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "aborted-pass" }>,
  at: number,
  record: RecordFault,
): void {
  const d = ctx.portal(fault.device);
  if (d.evidence === "one-antenna") {
    throw invalid(
      ctx.where(
        `aborted-pass at ${at} ms: ${d.id} reads from one side only; it cannot tell an approach that turns back from a crossing`,
      ),
    );
  }
  const epcs = Array.from({ length: fault.count }, () => ctx.newTag(ctx.gtinOf(fault.sku)));
  const approach = fault.approach ?? 2 * (ctx.file.hardware.portals?.pass ?? 2000);
  if (fault.crossesAfter !== undefined && fault.crossesAfter < approach) {
    throw invalid(
      ctx.where(`aborted-pass at ${at} ms: crossesAfter must not be shorter than the approach (${approach} ms)`),
    );
  }
  ctx.steps.push({
    kind: "portal-pass",
    at,
    deviceId: d.id,
    epcs,
    passMs: approach,
    aborted: { closestM: fault.closestM },
  });
  if (fault.crossesAfter !== undefined) {
    ctx.steps.push({ kind: "portal-pass", at: at + fault.crossesAfter, deviceId: d.id, epcs });
  }
  record({
    endMs: at + approach,
    deviceId: d.id,
    location: d.location,
    detail: `${fault.count} ${fault.sku} tags brought into ${d.id}'s field and taken away${fault.crossesAfter === undefined ? "" : `, through it ${fault.crossesAfter} ms later`}`,
    detectedBy: [],
    epcs: epcs.map(ctx.tagUri),
    ...(fault.crossesAfter !== undefined && { crosses: true }),
  });
}

function applyWrongZone(
  ctx: CompileContext,
  fault: Extract<ScenarioFault, { kind: "wrong-zone" }>,
  at: number,
  record: RecordFault,
): void {
  const { from, to, device: d } = ctx.zonePortal(fault.device);
  const item = ctx.items.get(fault.sku);
  const zone = ctx.site.zones.find((z) => z.id === zoneOfLocation(to));
  if (item === undefined || zone === undefined || zone.temperatureClass === item.temperatureClass) {
    throw invalid(ctx.where(`wrong-zone at ${at} ms: ${fault.sku} may enter ${to}`));
  }
  const epcs = ctx.stock.carry(from, to, fault.sku, fault.count);
  if (epcs.length === 0) throw invalid(ctx.where(`wrong-zone at ${at} ms: no tagged ${fault.sku} at ${from}`));
  ctx.steps.push({ kind: "portal-pass", at, deviceId: d.id, epcs });
  record({
    deviceId: d.id,
    location: to,
    detail: `${epcs.length} ${fault.sku} (${item.temperatureClass}) carried into ${to} (${zone.temperatureClass})`,
    detectedBy: [{ source: "task", type: "WRONG_ZONE", location: to }],
    scoredBy: "tasks",
  });
}

/** The lingering settings a fault gives, without the ones it leaves to the hardware profile. */
function lingerOf(fault: Partial<LingerReads>): Partial<LingerReads> {
  return {
    ...(fault.position !== undefined && { position: fault.position }),
    ...(fault.readEvery !== undefined && { readEvery: fault.readEvery }),
    ...(fault.missProbability !== undefined && { missProbability: fault.missProbability }),
    ...(fault.rssiDbm !== undefined && { rssiDbm: fault.rssiDbm }),
    ...(fault.rssiJitterDb !== undefined && { rssiJitterDb: fault.rssiJitterDb }),
  };
}

/** RSSI of a pallet waiting in a staging lane: the hardware's at-antenna level, `STAGING_DISTANCE_M` away. */
function stagingRssi(file: ScenarioFile): number {
  const portals = file.hardware.portals;
  return (portals?.rssiAtAntennaDbm ?? -40) - (portals?.rssiFallPerMetreDb ?? 8) * STAGING_DISTANCE_M;
}
