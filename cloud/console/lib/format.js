// Display helpers: times, numbers and roles, the same way on every view.

const RANK = { viewer: 0, operator: 1, supervisor: 2, admin: 3 };

/** True when `role` includes `needed` (viewer < operator < supervisor < admin). */
export function roleAtLeast(role, needed) {
  return role in RANK && RANK[role] >= RANK[needed];
}

/** "12 s ago", "5 min ago", "3 h ago", else the date. */
export function ago(iso, now = Date.now()) {
  if (iso === undefined) return "—";
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (ms < 0) return "just now";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return when(iso);
}

/** Local date and time to the second. */
export function when(iso) {
  if (iso === undefined) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function number(value, digits = 0) {
  if (value === undefined || value === null) return "—";
  return value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** "TEMPERATURE_EXCURSION" → "Temperature excursion". */
export function label(code) {
  if (code === undefined) return "";
  const text = String(code).replaceAll(/[_-]/g, " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The site a list must name for this caller: a token limited to several
 * sites has to pick one (the API refuses "every site" to it); others may
 * leave it out. `chosen` is the user's pick ("" for none).
 */
export function requiredSite(me, chosen) {
  const sites = me.siteIds ?? [];
  if (sites.length <= 1) return chosen === "" ? undefined : chosen;
  return sites.includes(chosen) ? chosen : sites[0];
}

/** An ISO 8601 instant as the cloud writes them into messages: 2026-12-05T07:17:22.811Z. */
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/**
 * Splits a message around the instants in it: plain text, and `{ iso, local }`
 * for each instant (`local` in this browser's time zone), so a view shows
 * "since Dec 5, 2026, 7:17:22 AM" where the cloud wrote UTC.
 */
export function instantsIn(text) {
  if (typeof text !== "string") return [];
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(INSTANT)) {
    const iso = match[0];
    const local = when(iso);
    if (local === iso) continue;
    if (match.index > from) parts.push(text.slice(from, match.index));
    parts.push({ iso, local });
    from = match.index + iso.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}
