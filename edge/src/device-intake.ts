import type { Logger } from "pino";
import type { DeadLetter } from "./adapters/mqtt-device-source.js";
import { decodeDeviceMessage } from "./domain/decode-device-message.js";
import type { JournalHolds } from "./domain/journal-holds.js";
import type { Observation } from "./domain/observation.js";
import type { ContinuingRunFilter } from "./domain/replay-filter.js";
import type { SiteIndex } from "./domain/site-index.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { DeviceJournal, JournalEntry } from "./ports/device-journal.js";

export interface DeviceIntakeContext {
  siteIndex: SiteIndex;
  /** Only with a data folder: each message is appended (fsync'd) before it is decoded. */
  journal: Pick<DeviceJournal, "append"> | undefined;
  /** Which journalled messages the pipelines may still hold (the checkpoint's watermark). */
  holds: Pick<JournalHolds, "observeAll">;
  /** The edge's counters of messages, dead letters and reader overflows, counted in place. */
  metrics: Pick<EdgeCounters, "messagesReceived" | "deadLetters" | "readerOverflows">;
  /** Each device's dead letters a minute. */
  deadLetterRates: { count(deviceId: string | undefined): void };
  logger: Logger;
  /** Where a rejected message is told: the device broker's dead-letter topic. */
  deadLetters: { publish(letter: DeadLetter): void };
}

/**
 * Device messages on their way in: journalled before the device's publish is acknowledged, then decoded into
 * observations; what does not decode is a dead letter. While the journal replays, nothing is counted or
 * dead-lettered again, and on a mid-stream replay runs already going are left out.
 */
export class DeviceIntake {
  #replaying = false;
  #replayFilter: ContinuingRunFilter | undefined;
  #memorySeq = 0;

  constructor(private readonly context: DeviceIntakeContext) {}

  /** Whether the journal is being replayed (what it holds was counted when it first arrived). */
  get replaying(): boolean {
    return this.#replaying;
  }

  /** Journals a device's message (with a journal), then decodes it: the observations to pass on. */
  readonly accept = async (topic: string, payload: Buffer): Promise<Observation[]> => {
    const receivedAt = Date.now();
    const { journal } = this.context;
    if (journal === undefined) return this.#decode(topic, payload, ++this.#memorySeq, receivedAt);
    const seq = await journal.append(topic, payload, receivedAt);
    return this.#decode(topic, payload, seq, receivedAt);
  };

  /**
   * Decodes journalled messages again, each observation to `feed`, leaving out what `filter` skips; returns
   * how many messages were replayed.
   */
  replay(
    entries: Iterable<JournalEntry>,
    filter: ContinuingRunFilter | undefined,
    feed: (observation: Observation) => void,
  ): number {
    this.#replaying = true;
    this.#replayFilter = filter;
    let replayed = 0;
    for (const entry of entries) {
      for (const observation of this.#decode(entry.topic, entry.payload, entry.seq, entry.receivedAt)) {
        feed(observation);
      }
      replayed++;
    }
    this.#replaying = false;
    this.#replayFilter = undefined;
    return replayed;
  }

  /** Journals nothing and emits nothing: decodes a device message into the observations to pass on. */
  #decode(topic: string, payload: Buffer, seq: number, receivedAt: number): Observation[] {
    const { siteIndex, holds, metrics, logger } = this.context;
    if (!this.#replaying) metrics.messagesReceived++;
    let decoded: ReturnType<typeof decodeDeviceMessage>;
    try {
      decoded = decodeDeviceMessage(siteIndex, topic, payload, receivedAt);
    } catch (error) {
      this.#deadLetter(topic, payload, "TALLY_ERR_INTERNAL", `decoder failed: ${(error as Error).message}`);
      return [];
    }
    if (!decoded.ok) {
      this.#deadLetter(topic, payload, decoded.error.code, decoded.error.reason, decoded.error.deviceId);
      return [];
    }
    const now = Date.now();
    const passed: Observation[] = [];
    holds.observeAll(seq, decoded.value, now);
    for (const observation of decoded.value) {
      if (this.#replayFilter?.skip(observation, receivedAt) === true) continue;
      if (observation.type === "reader-notice" && !this.#replaying) {
        metrics.readerOverflows++;
        logger.warn({ deviceId: observation.deviceId, notice: observation.notice }, "reader reports lost reads");
      }
      passed.push(observation);
    }
    return passed;
  }

  #deadLetter(topic: string, payload: Buffer, code: string, reason: string, deviceId?: string): void {
    if (this.#replaying) return;
    const { siteIndex, metrics, deadLetterRates, logger } = this.context;
    metrics.deadLetters[code] = (metrics.deadLetters[code] ?? 0) + 1;
    // Counted under its own id only when the site file has the device: a topic's made-up id is `_unknown`.
    deadLetterRates.count(deviceId !== undefined && siteIndex.device(deviceId) !== undefined ? deviceId : undefined);
    logger.debug({ topic, code, reason }, "device message rejected");
    this.context.deadLetters.publish({
      topic,
      deviceId,
      code,
      reason,
      bytes: payload.byteLength,
      payloadPreview: payload.subarray(0, 256).toString("utf8"),
      receivedAt: new Date().toISOString(),
    });
  }
}
