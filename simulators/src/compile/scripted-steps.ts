import { type Device, zoneOfLocation } from "@tally/protocols";
import { type CompileContext, invalid } from "./context.js";

/** The file's scripted steps, in file order (the demo's tags get serials 1 000 001 … in this order). */
export function compileScriptedSteps(ctx: CompileContext): void {
  const { steps, gtinOf, newTag } = ctx;
  for (const s of ctx.file.steps) {
    switch (s.kind) {
      case "portal-pass":
        steps.push({
          kind: "portal-pass",
          at: s.at,
          deviceId: s.device,
          epcs: s.tags.flatMap((t) => Array.from({ length: t.count }, () => newTag(gtinOf(t.sku)))),
          ...(s.pass !== undefined && { passMs: s.pass }),
        });
        break;
      case "scan":
        steps.push({
          kind: "scan",
          at: s.at,
          deviceId: s.device,
          gtin: gtinOf(s.sku),
          qty: s.qty,
          action: s.action,
          ...(s.location !== undefined && { location: s.location }),
          ...(s.fromLocation !== undefined && { fromLocation: s.fromLocation }),
          ...(s.lot !== undefined && { lot: s.lot }),
        });
        break;
      case "shelf-load":
        steps.push({ kind: "shelf-load", at: s.at, deviceId: s.device, location: s.location, units: s.units });
        break;
      case "temperature":
        steps.push({ kind: "temperature", at: s.at, deviceId: s.device, minC: s.minC, maxC: s.maxC });
        break;
    }
  }
}

/** The site's temperature sensors. */
export function temperatureSensors(ctx: CompileContext): Extract<Device, { kind: "temperature" }>[] {
  return ctx.site.devices.filter((d): d is Extract<Device, { kind: "temperature" }> => d.kind === "temperature");
}

/** Temperature profiles per zone → a band for every sensor in the zone. */
export function compileTemperatureProfiles(ctx: CompileContext): void {
  const sensors = temperatureSensors(ctx);
  for (const p of ctx.file.temperature) {
    if (!ctx.site.zones.some((z) => z.id === p.zone)) throw invalid(ctx.where(`temperature: unknown zone ${p.zone}`));
    for (const s of sensors) {
      if (zoneOfLocation(s.location) === p.zone) {
        ctx.steps.push({ kind: "temperature", at: p.at, deviceId: s.id, minC: p.minC, maxC: p.maxC });
      }
    }
  }
}

/** Reader quirks: only portals have them, and the site must tell the edge about a reader without heartbeats. */
export function checkReaderQuirks(ctx: CompileContext): void {
  for (const [id, quirks] of Object.entries(ctx.file.hardware.portals?.readers ?? {})) {
    const d = ctx.portal(id);
    if (!quirks.heartbeats && d.heartbeat !== false) {
      throw invalid(
        ctx.where(
          `hardware.portals.readers.${id}: it sends no heartbeats, so the site file must declare heartbeat: false for it`,
        ),
      );
    }
  }
}
