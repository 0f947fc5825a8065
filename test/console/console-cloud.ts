import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueToken, type RunningCloud, startCloud } from "@tally/cloud";
import { CommitAck, type EdgeBatch, type EdgeEvent } from "@tally/protocols";
import { readSiteFile } from "@tally/simulators";
import type { Browser, Page } from "playwright-core";
import { DEMO_SITE_FILE } from "../support/demo-site.js";
import { testLogger } from "../support/quiet-logger.js";

/** Where the console tests leave their screenshots (looked at by people; not asserted on). */
export const SCREENSHOTS = join(process.cwd(), ".data");

export interface ConsoleCloud {
  cloud: RunningCloud;
  /** A supervisor's token: the name its actions are recorded under is `SUPERVISOR_NAME`. */
  supervisorToken: string;
  /** Sends events the way the demo site's edge does: `POST /v1/ingest` with its own credential. */
  ingest(events: EdgeEvent[]): Promise<CommitAck>;
  /** Issues another token (its text). */
  token(options: Parameters<typeof issueToken>[1]): Promise<string>;
  /** GET a JSON route as the supervisor. */
  get<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

export const SUPERVISOR_NAME = "Dana Supervisor";
export const EDGE_ID = "edge-console";

/** A real cloud on port 0 (SQLite in a temporary folder, embedded broker) with the demo site imported. */
export async function startConsoleCloud(): Promise<ConsoleCloud> {
  const dir = await mkdtemp(join(tmpdir(), "tally-console-"));
  const cloud = await startCloud({ port: 0, dataDir: dir, mqtt: { embedded: { port: 0 } }, logger: testLogger() });
  await cloud.store.importSite(await readSiteFile(DEMO_SITE_FILE));
  const token = async (options: Parameters<typeof issueToken>[1]) => {
    const issued = await issueToken(cloud.store.security, options);
    if (!issued.ok) throw new Error(issued.reason);
    return issued.text;
  };
  const supervisorToken = await token({ name: SUPERVISOR_NAME, role: "supervisor", createdBy: "test" });
  const edgeToken = await token({ name: EDGE_ID, role: "edge", sites: ["DEMO"], edgeId: EDGE_ID, createdBy: "test" });
  let seq = 0;
  await mkdir(SCREENSHOTS, { recursive: true });

  return {
    cloud,
    supervisorToken,
    token,
    async ingest(events) {
      const batch: EdgeBatch = {
        v: 1,
        edgeId: EDGE_ID,
        siteId: "DEMO",
        batchId: randomUUID(),
        seq: seq++,
        sentAt: new Date().toISOString(),
        events,
      };
      const response = await fetch(`${cloud.url}/v1/ingest`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${edgeToken}` },
        body: JSON.stringify(batch),
      });
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      return CommitAck.parse(await response.json());
    },
    async get<T>(path: string): Promise<T> {
      const response = await fetch(`${cloud.url}${path}`, { headers: { authorization: `Bearer ${supervisorToken}` } });
      if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    },
    async close() {
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the console and signs in through its form with `token`; resolves once the alert stream is live.
 * `problems` collects what the page reports as errors (uncaught exceptions, console errors) from then on.
 */
export async function signIn(
  browser: Browser,
  url: string,
  token: string,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  // A step that does not happen fails in seconds with the locator it waited on, well inside the test's time.
  page.setDefaultTimeout(8000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(url);
  // Development mode on the loopback: the page opens read-only; signing in gives the token's role.
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByPlaceholder("tly_…").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("who").waitFor();
  await page.getByTestId("stream-state").getByText("Live").waitFor();
  return { page, problems };
}
