import { describe, expect, it } from "vitest";
import type { DeadLetter } from "./adapters/mqtt-device-source.js";
import { DeviceIntake } from "./device-intake.js";
import type { Observation } from "./domain/observation.js";
import { ContinuingRunFilter } from "./domain/replay-filter.js";
import { indexSite, type SiteIndex } from "./domain/site-index.js";
import { newEdgeCounters } from "./edge-metrics-snapshot.js";
import type { JournalEntry } from "./ports/device-journal.js";
import { demoSite } from "./testing/demo-site.js";
import { recordingLogger } from "./testing/recording-logger.js";

const readTopic = "tally/v1/DEMO/dev/portal-d1/read";
const at = "2026-11-22T08:00:00.123Z";
const reads = (epc: string) => Buffer.from(JSON.stringify({ reads: [{ epc, antenna: 1, rssi: -50, readAt: at }] }));
const overflow = Buffer.from(
  JSON.stringify({
    timestamp: "2026-11-22T08:00:01Z",
    hostname: "impinj-12-34-56",
    eventType: "overflow",
    overflowEvent: { eventsPurged: 120, eventsRemaining: 5 },
  }),
);
const impinjSite = () => {
  const site = demoSite();
  return indexSite({
    ...site,
    devices: site.devices.map((d) => (d.kind === "rfid-portal" ? { ...d, format: "impinj" as const } : d)),
  });
};

/** An intake over a fake journal (seqs from 41), recording what it holds, dead-letters and counts. */
function intakeFor(siteIndex: SiteIndex = indexSite(demoSite()), journalled = true) {
  const appended: string[] = [];
  const held: number[] = [];
  const letters: DeadLetter[] = [];
  const rated: (string | undefined)[] = [];
  const metrics = newEdgeCounters();
  const { logger, lines } = recordingLogger();
  let seq = 40;
  const journal = {
    append: async (topic: string) => {
      appended.push(topic);
      return ++seq;
    },
  };
  const intake = new DeviceIntake({
    siteIndex,
    journal: journalled ? journal : undefined,
    holds: { observeAll: (messageSeq) => void held.push(messageSeq) },
    metrics,
    deadLetterRates: { count: (deviceId) => void rated.push(deviceId) },
    deadLetters: { publish: (letter) => void letters.push(letter) },
    logger,
  });
  return { intake, appended, held, letters, rated, metrics, lines };
}

describe("DeviceIntake", () => {
  it("journals a message, then decodes it into observations held under its journal seq", async () => {
    const { intake, appended, held, metrics } = intakeFor();
    const observations = await intake.accept(readTopic, reads("3074257BF7194E4000001A85"));
    expect(observations).toMatchObject([{ type: "tag-read", deviceId: "portal-d1", epc: "3074257BF7194E4000001A85" }]);
    expect(appended).toEqual([readTopic]);
    expect(held).toEqual([41]);
    expect(metrics.messagesReceived).toBe(1);
  });

  it("numbers messages itself without a journal", async () => {
    const { intake, appended, held } = intakeFor(undefined, false);
    await intake.accept(readTopic, reads("3074257BF7194E4000001A85"));
    await intake.accept(readTopic, reads("3074257BF7194E4000001A86"));
    expect(appended).toEqual([]);
    expect(held).toEqual([1, 2]);
  });

  it("dead-letters what does not decode: counted by code, rated under a known device, published with a preview", async () => {
    const { intake, letters, rated, metrics, held } = intakeFor();
    expect(await intake.accept(readTopic, Buffer.from('{"reads": 7}'))).toEqual([]);
    expect(await intake.accept("tally/v1/DEMO/dev/ghost/read", reads("3074257BF7194E4000001A85"))).toEqual([]);
    expect(metrics.deadLetters).toEqual({ TALLY_ERR_MSG_SCHEMA: 1, TALLY_ERR_DEVICE_UNKNOWN: 1 });
    expect(metrics.messagesReceived).toBe(2);
    // A device the site file does not have is rated as no device: a topic could make up any number of them.
    expect(rated).toEqual(["portal-d1", undefined]);
    expect(letters).toMatchObject([
      {
        topic: readTopic,
        deviceId: "portal-d1",
        code: "TALLY_ERR_MSG_SCHEMA",
        bytes: 12,
        payloadPreview: '{"reads": 7}',
      },
      { topic: "tally/v1/DEMO/dev/ghost/read", deviceId: "ghost", code: "TALLY_ERR_DEVICE_UNKNOWN" },
    ]);
    expect(held).toEqual([]);
  });

  it("previews only a payload's first 256 bytes", async () => {
    const { intake, letters } = intakeFor();
    await intake.accept(readTopic, Buffer.from(`"${"x".repeat(1000)}"`));
    expect(letters[0]).toMatchObject({ bytes: 1002, payloadPreview: `"${"x".repeat(255)}` });
  });

  it("counts and logs a reader's notice of lost reads, and passes it on", async () => {
    const { intake, metrics, lines } = intakeFor(impinjSite());
    const observations = await intake.accept(readTopic, overflow);
    expect(observations).toMatchObject([{ type: "reader-notice", notice: { kind: "reader-overflow" } }]);
    expect(metrics.readerOverflows).toBe(1);
    expect(lines).toMatchObject([{ level: "warn", msg: "reader reports lost reads", deviceId: "portal-d1" }]);
  });

  it("replays journalled messages without counting, dead-lettering or logging them again", () => {
    const { intake, letters, metrics, lines, held } = intakeFor(impinjSite());
    const entries: JournalEntry[] = [
      { seq: 7, topic: readTopic, payload: overflow, receivedAt: 1_000 },
      { seq: 8, topic: readTopic, payload: Buffer.from("not json"), receivedAt: 1_001 },
    ];
    const fed: Observation[] = [];
    expect(intake.replay(entries, undefined, (o) => fed.push(o))).toBe(2);
    expect(fed).toMatchObject([{ type: "reader-notice" }]);
    expect(held).toEqual([7]);
    expect(metrics).toMatchObject({ messagesReceived: 0, readerOverflows: 0, deadLetters: {} });
    expect(letters).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("is replaying only while it replays, and filters only then", async () => {
    const { intake, metrics } = intakeFor();
    const read = reads("3074257BF7194E4000001A85");
    const entries = [{ seq: 1, topic: readTopic, payload: read, receivedAt: Date.now() }];
    const fed: Observation[] = [];
    const replaying: boolean[] = [];
    // A tag already being read when a mid-stream replay starts continues a run: left out.
    intake.replay(entries, new ContinuingRunFilter(2_500), (o) => fed.push(o));
    expect(fed).toEqual([]);
    expect(intake.replaying).toBe(false);
    // The same run again at once: a filter left in place would leave it out.
    expect(await intake.accept(readTopic, read)).toHaveLength(1);
    expect(metrics.messagesReceived).toBe(1);
    intake.replay(entries, undefined, () => replaying.push(intake.replaying));
    expect(replaying).toEqual([true]);
  });
});
