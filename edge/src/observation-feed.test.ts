import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Observation } from "./domain/observation.js";
import { newEdgeCounters } from "./edge-metrics-snapshot.js";
import { ObservationFeed } from "./observation-feed.js";
import type { DeviceSource } from "./ports/device-source.js";
import { tagRead } from "./testing/demo-site.js";
import { recordingLogger } from "./testing/recording-logger.js";

const heartbeat: Observation = { type: "heartbeat", id: "portal-d1/hb", deviceId: "portal-d1" };

function fakeSource(events: string[]) {
  const observations$ = new Subject<Observation>();
  const source: DeviceSource = {
    id: "mqtt-embedded",
    observations$,
    ready: Promise.resolve(),
    metrics: () => ({ received: 0, refused: {}, reconnects: 0 }),
    close: async () => {
      events.push("source closed");
      observations$.next(tagRead("3074257BF7194E4000001A85"));
    },
  };
  return { source, observations$ };
}

describe("ObservationFeed", () => {
  it("counts and passes on every observation; only those a pipeline may hold move the last observation time", () => {
    const metrics = newEdgeCounters();
    const feed = new ObservationFeed(metrics, recordingLogger().logger, []);
    const out: Observation[] = [];
    feed.observations$.subscribe((o) => out.push(o));
    feed.feed(heartbeat);
    expect(feed.lastObservationMs).toBe(0);
    const before = Date.now();
    feed.feed(tagRead("3074257BF7194E4000001A85"));
    expect(feed.lastObservationMs).toBeGreaterThanOrEqual(before);
    expect(out.map((o) => o.type)).toEqual(["heartbeat", "tag-read"]);
    expect(metrics.observations).toBe(2);
  });

  it("feeds an attached source until its close, which closes the source before it stops listening", async () => {
    const closers: (() => Promise<void>)[] = [];
    const events: string[] = [];
    const feed = new ObservationFeed(newEdgeCounters(), recordingLogger().logger, closers);
    feed.observations$.subscribe((o) => events.push(o.type));
    const { source, observations$ } = fakeSource(events);
    feed.attach(source);
    observations$.next(heartbeat);
    expect(closers).toHaveLength(1);
    await closers[0]?.();
    observations$.next(heartbeat);
    // What the source gives while it closes still reaches the pipelines; nothing after.
    expect(events).toEqual(["heartbeat", "source closed", "tag-read"]);
  });

  it("logs a source that fails", () => {
    const { logger, lines } = recordingLogger();
    const feed = new ObservationFeed(newEdgeCounters(), logger, []);
    const { source, observations$ } = fakeSource([]);
    feed.attach(source);
    observations$.error(new Error("connection lost"));
    expect(lines).toMatchObject([
      { level: "error", msg: "device source failed", source: "mqtt-embedded", err: "connection lost" },
    ]);
  });
});
