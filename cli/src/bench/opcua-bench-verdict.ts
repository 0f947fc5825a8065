/** One OPC-UA bench case: this many items, each changing every `intervalMs`. */
export interface OpcuaBenchCase {
  items: number;
  intervalMs: number;
  /** The most CPU the edge may use at the offered rate, share of one core; none: the case must only work. */
  maxCpuShare?: number;
}

/** What the edge did over the measuring window. */
export interface EdgeWindow {
  notificationsPerS: number;
  /** CPU time of the edge's process over wall time: 1 is one core. */
  cpuShare: number;
  /** Items the edge had monitored at the end of the window. */
  monitored: number;
  /** Connections lost or refused since the start: a bench run should have none. */
  reconnects: number;
}

export interface OpcuaVerdict {
  /** Notifications a second the server was asked to offer: items × changes a second. */
  offeredPerS: number;
  /** Notifications the edge took over those offered (the server may fall short on a loaded machine). */
  deliveredShare: number;
  edgeCpuUsPerNotification: number;
  /** CPU per notification × the offered rate: the share the edge would use if every offered change reached it. */
  edgeCpuShareAtOfferedRate: number;
  target: string;
  targetMet: boolean;
}

/** An edge that takes at least this share of the offered notifications keeps up with the server. */
export const MIN_DELIVERED_SHARE = 0.9;

/**
 * Judges a case: it works when every item stays monitored without a
 * reconnection and the edge takes at least 90 % of the offered
 * notifications; with a CPU bound, the CPU share implied at the offered rate
 * must also stay under it (measured per notification, so a server that
 * cannot offer the full rate on a loaded machine does not flatter the edge).
 */
export function judgeOpcuaCase(c: OpcuaBenchCase, edge: EdgeWindow): OpcuaVerdict {
  const offeredPerS = (c.items * 1000) / c.intervalMs;
  const usPerNotification = edge.notificationsPerS > 0 ? (edge.cpuShare * 1e6) / edge.notificationsPerS : Infinity;
  const atOffered = (usPerNotification * offeredPerS) / 1e6;
  const deliveredShare = edge.notificationsPerS / offeredPerS;
  const works = edge.monitored === c.items && edge.reconnects === 0 && deliveredShare >= MIN_DELIVERED_SHARE;
  const withinCpu = c.maxCpuShare === undefined || atOffered < c.maxCpuShare;
  const worksText = `all ${c.items} items monitored, no reconnection, ≥ ${MIN_DELIVERED_SHARE * 100} % of offered notifications taken`;
  return {
    offeredPerS,
    deliveredShare: round(deliveredShare, 3),
    edgeCpuUsPerNotification: round(usPerNotification, 2),
    edgeCpuShareAtOfferedRate: round(atOffered, 3),
    target:
      c.maxCpuShare === undefined
        ? worksText
        : `${worksText}; CPU share at the offered rate < ${c.maxCpuShare} of one core`,
    targetMet: works && withinCpu,
  };
}

function round(n: number, digits: number): number {
  return Number.isFinite(n) ? Number(n.toFixed(digits)) : n;
}
