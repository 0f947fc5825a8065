import type { EdgeEvent, SiteLayout } from "@tally/protocols";

/** The site's OPC-UA shelves: their observations come from the OPC-UA client, not the device journal. */
export function opcuaShelfIds(site: SiteLayout): ReadonlySet<string> {
  return new Set(site.devices.flatMap((d) => (d.kind === "shelf" && d.transport === "opcua" ? [d.id] : [])));
}

/**
 * Whether a batch holds an event the device journal cannot make again after
 * a power cut: a condition (device links, shelf and backlog states are judged
 * from the edge's own view, not from journalled messages), or a movement or
 * task resting on an OPC-UA shelf. The outbox appends without its own fsync
 * (the journal's replay rebuilds what a power cut takes), so such a batch
 * asks for a sync at once. Telemetry is not counted: it may be shed anyway.
 */
export function holdsUnjournalledEvents(batch: readonly EdgeEvent[], opcuaShelves: ReadonlySet<string>): boolean {
  for (const event of batch) {
    if (event.kind === "condition") return true;
    if (opcuaShelves.size === 0 || event.kind === "telemetry") continue;
    const { deviceId, deviceIds } = event.evidence;
    if (opcuaShelves.has(deviceId)) return true;
    if (deviceIds?.some((id) => opcuaShelves.has(id)) === true) return true;
  }
  return false;
}
