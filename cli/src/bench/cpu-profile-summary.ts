/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes): where the
 * time went, by function and by file, both as self time (samples whose top
 * frame it is) and inclusive time (samples with it anywhere on the stack,
 * counted once per sample however deep the recursion).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a `.cpuprofile` the summary reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function or file and its time, µs. */
export interface ProfileRow {
  name: string;
  selfUs: number;
  inclusiveUs: number;
}

export interface ProfileSummary {
  totalUs: number;
  /** Sorted by self time, most first. */
  functions: ProfileRow[];
  /** Sorted by self time, most first. */
  files: ProfileRow[];
}

/** A frame's file, shortened to the part after the last `node_modules/` or the repository's workspace folder. */
export function shortFile(url: string): string {
  if (url === "") return "(native)";
  const path = url.replace(/^file:\/\//, "");
  const modules = path.lastIndexOf("node_modules/");
  if (modules >= 0) return path.slice(modules + "node_modules/".length);
  const workspace = /\/((?:protocols|edge|cloud|simulators|cli|test)\/.*)$/.exec(path);
  return workspace?.[1] ?? path;
}

function functionKey(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${shortFile(frame.url)}:${frame.lineNumber + 1}`;
}

/**
 * Each node's sampled time, µs: the delta before a sample is charged to that
 * sample's node. Samples in the first `skipMs` of the profile are left out
 * (a process's start: module loading and compiling).
 */
function selfTimeByNode(profile: CpuProfile, skipMs: number): Map<number, number> {
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (at < skipMs * 1000) continue;
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  return self;
}

function addRow(rows: Map<string, ProfileRow>, name: string, selfUs: number, inclusiveUs: number): void {
  const row = rows.get(name) ?? { name, selfUs: 0, inclusiveUs: 0 };
  row.selfUs += selfUs;
  row.inclusiveUs += inclusiveUs;
  rows.set(name, row);
}

const bySelf = (rows: Map<string, ProfileRow>) => [...rows.values()].sort((a, b) => b.selfUs - a.selfUs);

export function summariseCpuProfile(profile: CpuProfile, options: { skipMs?: number } = {}): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = selfTimeByNode(profile, options.skipMs ?? 0);
  const functions = new Map<string, ProfileRow>();
  const files = new Map<string, ProfileRow>();
  let totalUs = 0;
  for (const [id, us] of self) {
    const node = nodes.get(id);
    if (node === undefined || us === 0) continue;
    totalUs += us;
    addRow(functions, functionKey(node.callFrame), us, 0);
    addRow(files, shortFile(node.callFrame.url), us, 0);
    const seenFunctions = new Set<string>();
    const seenFiles = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at)?.callFrame;
      if (frame === undefined) break;
      const fn = functionKey(frame);
      const file = shortFile(frame.url);
      if (!seenFunctions.has(fn)) {
        seenFunctions.add(fn);
        addRow(functions, fn, 0, us);
      }
      if (!seenFiles.has(file)) {
        seenFiles.add(file);
        addRow(files, file, 0, us);
      }
    }
  }
  return { totalUs, functions: bySelf(functions), files: bySelf(files) };
}

/** The top `top` rows of a summary as a text table: self and inclusive share of the total. */
export function formatProfileSummary(summary: ProfileSummary, top: number): string {
  const pct = (us: number) => `${((us * 100) / Math.max(1, summary.totalUs)).toFixed(1).padStart(5)}%`;
  const table = (title: string, rows: ProfileRow[]) => [
    `${title} (self / inclusive)`,
    ...rows.slice(0, top).map((r) => `${pct(r.selfUs)} ${pct(r.inclusiveUs)}  ${r.name}`),
  ];
  const byInclusive = (rows: ProfileRow[]) => [...rows].sort((a, b) => b.inclusiveUs - a.inclusiveUs);
  return [
    `total ${(summary.totalUs / 1000).toFixed(0)} ms sampled`,
    ...table("functions by self time", summary.functions),
    ...table("functions by inclusive time", byInclusive(summary.functions)),
    ...table("files by self time", summary.files),
  ].join("\n");
}
