import { Gauge, type Registry } from "prom-client";
import type { AlertStore } from "../alerts/alert-store.js";

/**
 * `tally_cloud_alerts{status,severity}`: live alerts (not resolved), read
 * from the database at each scrape, so every cloud process reports the same.
 */
export function alertMetrics(registry: Registry, store: Pick<AlertStore, "liveCounts">): void {
  new Gauge({
    name: "tally_cloud_alerts",
    help: "Alerts not yet resolved, by status (pending, open, acknowledged, cleared) and severity",
    labelNames: ["status", "severity"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await store.liveCounts()) this.set({ status: c.status, severity: c.severity }, c.count);
    },
  });
}
