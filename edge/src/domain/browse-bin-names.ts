import type { OpcuaBrowse, ShelfBin } from "@tally/protocols";

/** A variable found under the browse folder: its browse name (the name part) and node id. */
export interface BrowsedNode {
  browseName: string;
  nodeId: string;
}

/** Which node each bin of a shelf is watched on, and which bins have none. */
export interface BinNodes {
  nodes: { location: string; nodeId: string }[];
  /** Bins the site file has and the server does not: reported as bad quality, never guessed. */
  missing: string[];
}

/**
 * The browse name a bin's weight variable has under the shelf's folder:
 * `binPattern` with `{location}` replaced by the bin's location code or
 * `{bin}` by its last segment. The pattern is filled in, never matched as a
 * regular expression, so a site file cannot make the edge backtrack.
 */
export function browseNameFor(pattern: string, location: string): string {
  const bin = location.slice(location.lastIndexOf("/") + 1);
  return pattern.replace("{location}", location).replace("{bin}", bin);
}

/**
 * Pairs each bin with its node: its own `nodeId` when the site file gives
 * one, else the browsed variable whose browse name is the pattern's for it.
 * Browse names the pattern does not make are left alone (the folder may hold
 * other variables); two variables with one browse name are ambiguous, and
 * that bin is missing rather than watched on the wrong node.
 */
export function binNodes(
  bins: readonly ShelfBin[],
  browse: OpcuaBrowse | undefined,
  browsed: readonly BrowsedNode[],
): BinNodes {
  const byName = new Map<string, string | null>();
  for (const node of browsed) byName.set(node.browseName, byName.has(node.browseName) ? null : node.nodeId);
  const nodes: BinNodes["nodes"] = [];
  const missing: string[] = [];
  for (const bin of bins) {
    const nodeId =
      bin.nodeId ?? (browse === undefined ? undefined : byName.get(browseNameFor(browse.binPattern, bin.location)));
    if (nodeId === undefined || nodeId === null) missing.push(bin.location);
    else nodes.push({ location: bin.location, nodeId });
  }
  return { nodes, missing };
}
