import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { alertEvent, EVENT_T0 } from "../testing/alert-events.js";
import { silentLogger, tempStore } from "../testing/fixtures.js";
import { Notifier, type Schedule } from "./notifier.js";

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function store(): Promise<LedgerStore> {
  const temp = await tempStore();
  disposers.push(temp.dispose);
  return temp.store;
}

/** A server on 127.0.0.1:0 answering every request with `status` (and `location`), counting them. */
async function server(status: number, location?: string): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const s: Server = createServer((request, response) => {
    hits += 1;
    request.resume();
    response.writeHead(status, location === undefined ? {} : { location }).end();
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  disposers.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`, hits: () => hits };
}

/** Timers run by hand: `due()` lists what is scheduled, `fire()` runs the first. */
function manualTimers() {
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const schedule: Schedule = (fn, ms) => {
    const timer = { fn, ms, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return {
    schedule,
    due: () => timers.filter((t) => !t.cancelled).map((t) => t.ms),
    fire: () => {
      const next = timers.find((t) => !t.cancelled);
      if (next === undefined) throw new Error("nothing scheduled");
      timers.splice(timers.indexOf(next), 1);
      next.fn();
    },
  };
}

describe("Notifier", () => {
  it("does not follow a redirect: the signed body goes to the registered URL only", async () => {
    const elsewhere = await server(204);
    const redirecting = await server(307, elsewhere.url);
    const ledger = await store();
    await ledger.notifications.createWebhook({
      id: "w1",
      name: "w1",
      url: redirecting.url,
      secret: "s".repeat(32),
      format: "json",
      filters: {},
      createdBy: "test",
    });
    await ledger.notifications.enqueue([alertEvent()]);
    const notifier = new Notifier({
      store: ledger.notifications,
      logger: silentLogger(),
      now: () => EVENT_T0 + 30_000,
    });
    expect(await notifier.tick()).toEqual({ planned: 1, delivered: 0, failed: 1 });
    expect(redirecting.hits()).toBe(1);
    expect(elsewhere.hits()).toBe(0);
    const [delivery] = await ledger.notifications.deliveries({ limit: 1 });
    expect(delivery).toMatchObject({ status: "pending", lastError: "TALLY_ERR_WEBHOOK_REFUSED: HTTP 307" });
  });

  it("runs a round at start and one every pollMs after the last ends; a failed round is counted and the loop goes on", async () => {
    const timers = manualTimers();
    const temp = await tempStore();
    disposers.push(temp.dispose);
    let failedRounds = 0;
    let planned = 0;
    const notifier = new Notifier({
      store: temp.store.notifications,
      logger: silentLogger(),
      schedule: timers.schedule,
      pollMs: 250,
      now: () => EVENT_T0 + 30_000,
      observer: { roundFailed: () => failedRounds++, planned: (n) => (planned += n) },
    });
    notifier.start();
    notifier.start();
    expect(timers.due()).toEqual([0]);
    await temp.store.notifications.createWebhook({
      id: "w1",
      name: "w1",
      url: "http://127.0.0.1:9/unused",
      secret: "s".repeat(32),
      format: "json",
      filters: { siteIds: ["nowhere"] },
      createdBy: "test",
    });
    await temp.store.notifications.enqueue([alertEvent({ siteId: "nowhere" })]);
    timers.fire();
    await waitFor(() => timers.due().length === 1);
    expect(timers.due()).toEqual([250]);
    expect(planned).toBe(1);
    // The database goes away: the round fails, is counted, and the next is scheduled all the same.
    await temp.store.close();
    timers.fire();
    await waitFor(() => timers.due().length === 1);
    expect(failedRounds).toBe(1);
    await notifier.close();
    expect(timers.due()).toEqual([]);
  });
});

/** Waits for a condition the notifier's own promises make true (no timer involved: microtasks and I/O only). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let k = 0; k < 1000 && !done(); k++) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}
