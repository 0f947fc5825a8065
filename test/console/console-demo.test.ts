import { join } from "node:path";
import type { RunningSystem } from "@tally/cli";
import { issueToken } from "@tally/cloud";
import { demoScenario } from "@tally/simulators";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeBrowser } from "../support/browser.js";
import { type DemoSystem, demoSiteOnPort, startDemoSystem } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { SCREENSHOTS, signIn } from "./console-cloud.js";

// The skip decision must be known before collection; in CI a missing browser throws here.
const probed = await probeBrowser();
const unavailable = "unavailable" in probed ? probed.unavailable : undefined;

const NAME = "Sam Shift Lead";

/**
 * The whole system on its embedded defaults (`npm start`'s), the demo played
 * by the simulators: the cold room's excursion, raised by the edge from the
 * simulated sensor, reaches the open console within 2 s of the cloud
 * streaming it, and is acknowledged there.
 */
describe.skipIf(unavailable !== undefined)(
  `the demo's cold-room alert on the console${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let browser: Browser;
    let system: RunningSystem;
    let demo: DemoSystem | undefined;
    beforeAll(async () => {
      if ("unavailable" in probed) return;
      browser = probed;
      demo = await startDemoSystem("edge-demo");
      system = demo.system;
    });
    afterAll(async () => {
      await demo?.close();
      await browser?.close();
    });

    it("shows the cold-room excursion within 2 s of the cloud streaming it; acknowledged there, the timeline says by whom", async () => {
      const { cloud, simulators } = system;
      if (simulators === undefined) throw new Error("simulators did not start");
      const issued = await issueToken(cloud.store.security, { name: NAME, role: "supervisor", createdBy: "test" });
      if (!issued.ok) throw new Error(issued.reason);
      const { page, problems } = await signIn(browser, cloud.url, issued.text);

      // The cloud's own live stream, read beside the page: when it carries the alert, the cloud has committed it.
      const streamed = new Map<string, number>();
      const controller = new AbortController();
      const res = await fetch(`${cloud.url}/v1/alerts/stream`, {
        headers: { authorization: `Bearer ${issued.text}` },
        signal: controller.signal,
      });
      const reader = res.body?.getReader();
      if (reader === undefined) throw new Error("no stream");
      const decoder = new TextDecoder();
      void (async () => {
        let buffer = "";
        for (;;) {
          const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          for (const m of buffer.matchAll(/"id":"([^"]+)","dedupKey":"TEMPERATURE_EXCURSION/g)) {
            if (m[1] !== undefined && !streamed.has(m[1])) streamed.set(m[1], Date.now());
          }
          buffer = buffer.slice(Math.max(0, buffer.length - 4096));
        }
      })();

      try {
        const row = page.locator("[data-alert-id]", { hasText: "Temperature excursion" });
        // Watched while the demo plays: the moment the row appears on the page, without a reload.
        const appeared = row.waitFor({ timeout: 60_000 }).then(() => Date.now());
        await simulators.play(demoScenario(await demoSiteOnPort(0)), { speed: 2 });
        const shownAt = await appeared;
        const id = (await row.getAttribute("data-alert-id")) ?? "";
        const committedAt = await eventually(
          async () => streamed.get(id),
          (t) => t !== undefined,
          { what: "the excursion on the cloud's stream" },
        );
        expect(shownAt - (committedAt ?? shownAt)).toBeLessThan(2000);

        await row.click();
        const detail = page.getByTestId("alert-detail");
        await detail.getByRole("button", { name: "Acknowledge" }).click();
        await detail.getByText(`Acknowledged by ${NAME}`).waitFor();
        await page.screenshot({ path: join(SCREENSHOTS, "console-demo-alert.png") });
        const body = (await (
          await fetch(`${cloud.url}/v1/alerts/${id}`, { headers: { authorization: `Bearer ${issued.text}` } })
        ).json()) as { alert: { status: string; acknowledgedBy?: string }; timeline: { action: string; by: string }[] };
        expect(body.alert).toMatchObject({ status: "acknowledged", acknowledgedBy: NAME });
        expect(body.timeline.map((t) => [t.action, t.by])).toContainEqual(["acknowledged", NAME]);
        expect(problems).toEqual([]);
      } finally {
        controller.abort();
        await page.close();
      }
    });
  },
);
