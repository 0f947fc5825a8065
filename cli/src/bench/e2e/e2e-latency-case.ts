import { CommittedMovement, type SiteLayout } from "@tally/protocols";
import { z } from "zod";
import type { BenchResult } from "../bench-result.js";
import { type Clients, type E2eStep, throughSystem } from "./e2e-paths.js";
import type { E2eSystem } from "./e2e-system.js";
import type { E2eWorkload } from "./e2e-workload.js";
import { quantile } from "./process-stats.js";

/** Where the latency case's scans receive stock: a location of its own, so its movements can be listed alone. */
export const LATENCY_LOCATION = "DEMO/DOCK/BENCH-LAT";

/** Scans offered at the configured rate; publish → commit of each, read from the ledger. */
export async function latencyCase(
  system: E2eSystem,
  site: SiteLayout,
  nextStep: (workload: E2eWorkload, messages: number) => E2eStep,
  latency: { ratePerS: number; messages: number },
  store: string,
  clients: Clients,
): Promise<BenchResult> {
  const latencyStep = {
    ...nextStep("scan", latency.messages),
    ratePerS: latency.ratePerS,
    location: LATENCY_LOCATION,
  };
  const offered = await throughSystem(system, site, latencyStep, clients.publisher);
  const lags = (await commitLags(system, LATENCY_LOCATION)).sort((a, b) => a - b);
  if (lags.length !== latencyStep.messages) {
    throw new Error(`the ledger has ${lags.length} movements at ${LATENCY_LOCATION}, not ${latencyStep.messages}`);
  }
  return {
    name: "e2e-scan-latency",
    unit: "ms p50 publish→commit",
    value: quantile(lags, 0.5),
    details: {
      store,
      offeredPerSecond: latency.ratePerS,
      sentPerSecond: Math.round(
        (latencyStep.messages * 1000) / Math.max(1, offered.done.lastSendMs - offered.done.firstSendMs),
      ),
      movements: lags.length,
      p50Ms: quantile(lags, 0.5),
      p99Ms: quantile(lags, 0.99),
      maxMs: lags.at(-1),
      cpuUsPerMessage: offered.cpuUsPerMessage,
      peakRssMb: offered.peakRssMb,
      medianRssMb: offered.medianRssMb,
    },
  };
}

const Page = z.object({ movements: z.array(CommittedMovement), nextCursor: z.string().optional() });

/** Publish → commit of every movement at a location, ms: its commit time minus its `occurredAt` (the send time). */
async function commitLags(system: E2eSystem, location: string): Promise<number[]> {
  const lags: number[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ location, limit: "1000", ...(after !== undefined && { after }) });
    const res = await fetch(`${system.apiUrl}/v1/movements?${query}`, {
      headers: { authorization: `Bearer ${system.adminToken}` },
    });
    if (!res.ok) throw new Error(`GET /v1/movements: ${res.status}`);
    const page = Page.parse(await res.json());
    for (const m of page.movements) {
      if (m.committedAt === undefined) throw new Error(`movement ${m.id} has no commit time`);
      lags.push(Date.parse(m.committedAt) - Date.parse(m.occurredAt));
    }
    if (page.nextCursor === undefined) return lags;
    after = page.nextCursor;
  }
}
