import { readFile, writeFile } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** What Linux says of a process now. */
export interface ProcessStats {
  /** User + system CPU time since it started, ms. */
  cpuMs: number;
  /** Its peak resident set (VmHWM) since it started or since `resetPeakRss`, bytes. */
  peakRssBytes: number;
}

/**
 * Reads `/proc/<pid>/stat` (utime and stime, fields 14 and 15) and
 * `/proc/<pid>/status` (VmHWM). Read from outside, so every process is
 * measured the same way, the cloud and the edge included.
 */
export async function readProcessStats(pid: number): Promise<ProcessStats> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  return { cpuMs: cpuMsFromStat(stat), peakRssBytes: peakRssFromStatus(status) };
}

/** utime + stime of a /proc/<pid>/stat line, ms. The command name may hold spaces and parentheses: split after the last ')'. */
export function cpuMsFromStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  return ((utime + stime) * 1000) / TICKS_PER_S;
}

/** VmHWM of a /proc/<pid>/status text, bytes. */
export function peakRssFromStatus(status: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error("no VmHWM in /proc status");
  return Number(match[1]) * 1024;
}

/** VmRSS (the resident set now) of a /proc/<pid>/status text, bytes. */
export function rssFromStatus(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error("no VmRSS in /proc status");
  return Number(match[1]) * 1024;
}

/** The resident set of a process now, bytes. */
export async function readRss(pid: number): Promise<number> {
  return rssFromStatus(await readFile(`/proc/${pid}/status`, "utf8"));
}

/** The value at quantile q (0–1) of sorted numbers (nearest rank); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Resets the process's peak RSS to its current RSS (`5` to /proc/<pid>/clear_refs), so each case has its own peak. */
export async function resetPeakRss(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, "5");
}
