/** What the sweep found out about one `tally-bench-pg-*` folder. */
export interface BenchClusterFacts {
  dir: string;
  /** The process that made the cluster (its `owner.pid`); undefined when the folder has none. */
  ownerPid: number | undefined;
  ownerAlive: boolean;
  /** The postmaster its `postmaster.pid` names; undefined when there is none (never started, or stopped). */
  postmasterPid: number | undefined;
  /** That pid is alive and a postgres on this folder's data (not a pid reused since by something else). */
  postmasterRunsHere: boolean;
}

export type SweepAction =
  | { kind: "keep"; dir: string; why: "no owner recorded" | "owner alive" }
  | { kind: "stop-and-remove"; dir: string; postmasterPid: number }
  | { kind: "remove"; dir: string };

/**
 * What to do with a throwaway cluster found at a bench's start. One whose
 * owner is alive is its owner's to stop; one without an `owner.pid` was made
 * by an older version or is still being made: both are kept. A cluster
 * whose owner is gone (killed, timed out) is stopped if its postmaster still
 * runs, then removed.
 */
export function sweepActionFor(facts: BenchClusterFacts): SweepAction {
  const { dir } = facts;
  if (facts.ownerPid === undefined) return { kind: "keep", dir, why: "no owner recorded" };
  if (facts.ownerAlive) return { kind: "keep", dir, why: "owner alive" };
  if (facts.postmasterPid !== undefined && facts.postmasterRunsHere) {
    return { kind: "stop-and-remove", dir, postmasterPid: facts.postmasterPid };
  }
  return { kind: "remove", dir };
}

/** A pid from the first line of a pid file's text, or undefined when it holds none. */
export function pidIn(text: string | undefined): number | undefined {
  const first = text?.split("\n", 1)[0]?.trim() ?? "";
  if (!/^\d+$/.test(first)) return undefined;
  const pid = Number(first);
  return pid > 0 ? pid : undefined;
}
