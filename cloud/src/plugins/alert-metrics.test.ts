import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { condition, tempStore } from "../testing/fixtures.js";
import { alertMetrics } from "./alert-metrics.js";

describe("alert metrics", () => {
  let store: LedgerStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await tempStore());
  });
  afterEach(() => dispose());

  it("counts live alerts by status and severity from the database at each scrape", async () => {
    const registry = new Registry();
    alertMetrics(registry, store.alerting);
    const meta = { edgeId: "edge-1", siteId: "S1", batchId: "b-1", seq: 0 };
    const [alert] = (await store.commit(meta, [condition()])).alerts;
    expect(await registry.metrics()).toMatch(/tally_cloud_alerts\{status="open",severity="critical"\} 1/);
    await store.alerting.acknowledge(alert?.id ?? "", "ana");
    const text = await registry.metrics();
    expect(text).toMatch(/tally_cloud_alerts\{status="acknowledged",severity="critical"\} 1/);
    expect(text).not.toMatch(/status="open"/);
  });
});
