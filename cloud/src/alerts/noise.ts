/**
 * Noise control, as pure functions: silences (a person mutes alerts that
 * match, for a while, saying why), a site in maintenance (everything but
 * critical muted) and inhibition (an edge nobody hears from mutes the
 * DEVICE_SILENT alerts of the devices behind it: one cause, one message).
 * A muted alert is still recorded and shown; nobody is told of it and it is
 * neither escalated nor reminded.
 */
import { z } from "zod";
import { type Alert, AlertKind } from "./alert.js";

export const SilenceMatchers = z
  .object({
    siteId: z.string().min(1).max(32).optional(),
    kind: AlertKind.optional(),
    /** The alert's location or any below it (`SITE/ZONE` matches `SITE/ZONE/BIN`). */
    location: z.string().min(1).max(200).optional(),
    deviceId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type SilenceMatchers = z.infer<typeof SilenceMatchers>;

export const Silence = z.object({
  id: z.string(),
  matchers: SilenceMatchers,
  /** A site's maintenance window: critical alerts still go through. */
  exceptCritical: z.boolean(),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
export type Silence = z.infer<typeof Silence>;

/** Why an alert is muted now: the silence, maintenance window or inhibiting alert. */
export type Suppression =
  | { by: "silence"; id: string }
  | { by: "maintenance"; id: string }
  | { by: "inhibition"; id: string };

export function silenceMatches(silence: Silence, alert: Alert, nowMs: number): boolean {
  if (Date.parse(silence.startsAt) > nowMs || Date.parse(silence.endsAt) <= nowMs) return false;
  if (silence.exceptCritical && alert.severity === "critical") return false;
  const m = silence.matchers;
  if (m.siteId !== undefined && m.siteId !== alert.siteId) return false;
  if (m.kind !== undefined && m.kind !== alert.kind) return false;
  if (m.deviceId !== undefined && m.deviceId !== alert.deviceId) return false;
  if (m.location !== undefined) {
    const at = alert.location;
    if (at === undefined || (at !== m.location && !at.startsWith(`${m.location}/`))) return false;
  }
  return true;
}

/** Inhibition rule: which live alert mutes which. */
export function inhibits(source: Alert, target: Alert): boolean {
  if (source.status === "resolved" || source.status === "pending") return false;
  if (source.status === "cleared") return false;
  return (
    source.kind === "EDGE_NOT_HEARD" &&
    target.kind === "DEVICE_SILENT" &&
    target.edgeId !== undefined &&
    source.edgeId === target.edgeId
  );
}

/** The first reason `alert` is muted now, if any. `inhibitors`: live alerts that may inhibit it. */
export function suppressionOf(
  alert: Alert,
  silences: readonly Silence[],
  inhibitors: readonly Alert[],
  nowMs: number,
): Suppression | undefined {
  for (const source of inhibitors) if (inhibits(source, alert)) return { by: "inhibition", id: source.id };
  for (const silence of silences) {
    if (silenceMatches(silence, alert, nowMs)) {
      return { by: silence.exceptCritical ? "maintenance" : "silence", id: silence.id };
    }
  }
  return undefined;
}
