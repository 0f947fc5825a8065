import type { HistoryEntry } from "@tally/protocols";

/** Some units of a lot at one location over [fromMs, toMs), the count unchanged throughout. */
export interface LotSegment {
  location: string;
  fromMs: number;
  toMs: number;
  /** Units of the lot there, > 0. */
  units: number;
}

/** A stay: a time the lot had units at a location, ISO 8601. */
export interface LotStay {
  location: string;
  from: string;
  to: string;
}

/**
 * Where a lot's units were over time, from its ledger history (one SKU and
 * lot, oldest first): per location, the spans its running balance was above
 * zero, split wherever the count changes, clipped to [fromMs, toMs). A
 * location whose balance goes negative (stock recorded out before in) holds
 * nothing until it is positive again. Pure.
 */
export function lotSegments(entries: readonly HistoryEntry[], fromMs: number, toMs: number): LotSegment[] {
  const open = new Map<string, { sinceMs: number; units: number }>();
  const segments: LotSegment[] = [];
  const close = (location: string, sinceMs: number, untilMs: number, units: number) => {
    const start = Math.max(sinceMs, fromMs);
    const end = Math.min(untilMs, toMs);
    if (units > 0 && end > start) segments.push({ location, fromMs: start, toMs: end, units });
  };
  for (const e of entries) {
    const at = Date.parse(e.occurredAt);
    const current = open.get(e.location) ?? { sinceMs: at, units: 0 };
    close(e.location, current.sinceMs, at, current.units);
    open.set(e.location, { sinceMs: at, units: current.units + e.delta });
  }
  for (const [location, { sinceMs, units }] of open) close(location, sinceMs, toMs, units);
  return segments.sort((a, b) => a.fromMs - b.fromMs || (a.location < b.location ? -1 : 1));
}

/** `segments` joined into stays: back-to-back segments at one location are one stay. */
export function lotStays(segments: readonly LotSegment[]): LotStay[] {
  const byLocation = new Map<string, { fromMs: number; toMs: number }[]>();
  for (const s of segments) {
    const spans = byLocation.get(s.location) ?? [];
    const last = spans.at(-1);
    if (last !== undefined && last.toMs >= s.fromMs) last.toMs = Math.max(last.toMs, s.toMs);
    else spans.push({ fromMs: s.fromMs, toMs: s.toMs });
    byLocation.set(s.location, spans);
  }
  const stays = [...byLocation].flatMap(([location, spans]) => spans.map((span) => ({ location, ...span })));
  stays.sort((a, b) => a.fromMs - b.fromMs || (a.location < b.location ? -1 : 1));
  return stays.map((s) => ({
    location: s.location,
    from: new Date(s.fromMs).toISOString(),
    to: new Date(s.toMs).toISOString(),
  }));
}
