import { type Condition, deadLetterTopic, type EdgeEvent, timeOrderedIdParts } from "@tally/protocols";
import { bufferTime, filter, Subject } from "rxjs";
import { v7 as uuidv7 } from "uuid";
import type { EmbeddedBroker } from "./adapters/aedes-broker.js";
import type { EdgeMetricsServer } from "./adapters/metrics-server.js";
import { connectMqttDeviceSource } from "./adapters/mqtt-device-source.js";
import { connectOpcuaShelves } from "./adapters/opcua-shelves.js";
import { DeadLetterOutlet } from "./dead-letter-outlet.js";
import { withContentId } from "./domain/content-id.js";
import { decodeDeviceMessage } from "./domain/decode-device-message.js";
import type { DeviceLink } from "./domain/device-link.js";
import { JournalHolds, longestStationaryMs, shelfBinLocations } from "./domain/journal-holds.js";
import type { Observation } from "./domain/observation.js";
import { ContinuingRunFilter } from "./domain/replay-filter.js";
import { indexSite } from "./domain/site-index.js";
import { checkDeviceBrokerPolicy, startEmbeddedDeviceBroker } from "./edge-device-broker.js";
import { startEdgeMetricsServer } from "./edge-metrics-server.js";
import { edgeMetricsSnapshot, newEdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeOptions, RunningEdge } from "./edge-options.js";
import { startEdgeOutboxWriting } from "./edge-outbox-writing.js";
import { startEdgeReferenceData } from "./edge-reference-data.js";
import { EdgeShutdown } from "./edge-shutdown.js";
import { openEdgeStorage } from "./edge-storage.js";
import { startEdgeUplink } from "./edge-uplink.js";
import { JournalCheckpoints } from "./journal-checkpoints.js";
import type { EdgeMetrics } from "./metrics.js";
import {
  DEFAULT_PIPELINE_CONFIG,
  type EdgePipelineConfig,
  edgePipeline,
  pipelineSettleMs,
} from "./pipelines/edge-pipeline.js";
import type { DeviceSource } from "./ports/device-source.js";

export type { EdgeOptions, RunningEdge };

/** Starts an edge node: device broker, OPC-UA shelves, pipelines, outbox and uplink. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const { site, edgeId } = options;
  const logger = options.logger.child({ component: "edge", edgeId });
  const embeddedDevices = "embedded" in options.devices ? options.devices.embedded : undefined;
  const deviceHost = embeddedDevices?.host ?? "127.0.0.1";
  // Before anything is opened: a device broker open to anyone is refused up front.
  const policy = checkDeviceBrokerPolicy(options, embeddedDevices, deviceHost, logger);
  const siteIndex = indexSite(site);
  const newId = () => uuidv7(timeOrderedIdParts());
  const metrics = newEdgeCounters();
  const shutdown = new EdgeShutdown(logger);
  const { closers, stopOnFailure } = shutdown;

  try {
    const pipelineConfig: EdgePipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...options.pipeline };
    const settleMs = pipelineSettleMs(pipelineConfig, site);

    const { outbox, journal, tagMemory, parkedTags } = await openEdgeStorage({
      options,
      siteIndex,
      pipelineConfig,
      logger,
      closers,
      stopOnFailure,
    });
    const outboxFull = () => {
      const usage = outbox.usage();
      return usage.maxBytes !== undefined && usage.bytes >= usage.maxBytes;
    };
    let metricsServer: EdgeMetricsServer | undefined;
    // Dead letters go out on the device broker, which starts after the uplink: until then they wait here.
    const deadLetters = new DeadLetterOutlet();
    const sender = startEdgeUplink(
      { options, outbox, logger, newId, closers },
      {
        publishDeadLetter: deadLetters.publish,
        raise: (condition) => writer.push([condition]),
        onAcked: (ms) => metricsServer?.observeAckLatency(ms),
      },
    );

    const observations$ = new Subject<Observation>();
    // Device connections as the embedded broker sees them; an external broker reports none (wills only).
    const links$ = embeddedDevices === undefined ? undefined : new Subject<DeviceLink>();
    const reference = await startEdgeReferenceData(options, logger, closers);
    let lastObservationMs = 0;
    const drained = async () => {
      for (;;) {
        const wait = lastObservationMs + settleMs - Date.now();
        if (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        await sender.drained();
        if (Date.now() - lastObservationMs >= settleMs && outbox.depth() === 0 && !writer.waiting) return;
      }
    };

    const journalled = journal !== undefined;
    const outboxWriting = { options, outbox, journalled, newId, sender, metrics, logger, stopOnFailure, closers };
    const { writer, deadLetterRates } = startEdgeOutboxWriting(outboxWriting);
    const events = edgePipeline(
      {
        observations$,
        ...(links$ !== undefined ? { links$ } : {}),
        ...(reference !== undefined ? { reference$: reference.reference$ } : {}),
        tagMemory,
        parkedTags,
        onLateTemperature: (_deviceId, stage) => {
          if (replaying) return;
          metrics.temperatureReadingsLate[stage] = (metrics.temperatureReadingsLate[stage] ?? 0) + 1;
        },
        onReaderClock: ({ deviceId, offsetMs, correcting }) => {
          const before = metrics.readerClocks[deviceId];
          metrics.readerClocks[deviceId] = { offsetMs, correcting };
          if (before !== undefined && before.correcting === correcting) return;
          if (correcting) {
            logger.warn(
              { deviceId, offsetMs },
              "reader clock is off: its read times are put on the edge's clock (set the reader's NTP)",
            );
          } else if (before !== undefined) {
            logger.info({ deviceId, offsetMs }, "reader clock within tolerance again: its own read times are kept");
          }
        },
      },
      siteIndex,
      { siteId: site.siteId, newId },
      pipelineConfig,
    )
      .pipe(
        bufferTime(20),
        filter((batch: EdgeEvent[]) => batch.length > 0),
      )
      .subscribe({
        next: (batch) => {
          metrics.eventsQueued += batch.length;
          // With a journal, replays must make the same ids: derive them from the content.
          writer.push(journal === undefined ? batch : batch.map(withContentId));
        },
        error: (error: unknown) => logger.fatal({ err: (error as Error).message }, "edge pipeline failed"),
      });
    closers.push(async () => events.unsubscribe());

    // Device messages: journalled (fsync'd) before the device's publish is acknowledged, then decoded.
    const stationaryMs = longestStationaryMs(site, pipelineConfig.passes.stationaryMs);
    const holds = new JournalHolds({ settleMs, stationaryMs, shelfBins: shelfBinLocations(site) });
    let replayFilter: ContinuingRunFilter | undefined;
    let replaying = false;
    const deadLetter = (topic: string, payload: Buffer, code: string, reason: string, deviceId?: string) => {
      if (replaying) return;
      metrics.deadLetters[code] = (metrics.deadLetters[code] ?? 0) + 1;
      // Counted under its own id only when the site file has the device: a topic's made-up id is `_unknown`.
      deadLetterRates.count(deviceId !== undefined && siteIndex.device(deviceId) !== undefined ? deviceId : undefined);
      logger.debug({ topic, code, reason }, "device message rejected");
      deadLetters.publish({
        topic,
        deviceId,
        code,
        reason,
        bytes: payload.byteLength,
        payloadPreview: payload.subarray(0, 256).toString("utf8"),
        receivedAt: new Date().toISOString(),
      });
    };
    // Every observation reaches the pipelines here, whichever source it came from (or the journal's replay).
    const feed = (observation: Observation) => {
      metrics.observations++;
      // A heartbeat leaves nothing held in the pipelines: devices that keep beating (out of step with each
      // other) must not keep the edge from ever counting as drained.
      if (observation.type !== "heartbeat") lastObservationMs = Date.now();
      observations$.next(observation);
    };
    const attach = (source: DeviceSource) => {
      const subscription = source.observations$.subscribe({
        next: feed,
        error: (error: unknown) =>
          logger.error({ source: source.id, err: (error as Error).message }, "device source failed"),
      });
      closers.push(async () => {
        await source.close();
        subscription.unsubscribe();
      });
    };
    /** Journals nothing and emits nothing: decodes a device message into the observations to pass on. */
    const handleMessage = (topic: string, payload: Buffer, seq: number, receivedAt: number): Observation[] => {
      if (!replaying) metrics.messagesReceived++;
      let decoded: ReturnType<typeof decodeDeviceMessage>;
      try {
        decoded = decodeDeviceMessage(siteIndex, topic, payload, receivedAt);
      } catch (error) {
        deadLetter(topic, payload, "TALLY_ERR_INTERNAL", `decoder failed: ${(error as Error).message}`);
        return [];
      }
      if (!decoded.ok) {
        deadLetter(topic, payload, decoded.error.code, decoded.error.reason, decoded.error.deviceId);
        return [];
      }
      const now = Date.now();
      const passed: Observation[] = [];
      holds.observeAll(seq, decoded.value, now);
      for (const observation of decoded.value) {
        if (replayFilter?.skip(observation, receivedAt) === true) continue;
        if (observation.type === "reader-notice" && !replaying) {
          metrics.readerOverflows++;
          logger.warn({ deviceId: observation.deviceId, notice: observation.notice }, "reader reports lost reads");
        }
        passed.push(observation);
      }
      return passed;
    };
    let memorySeq = 0;
    const accept = async (topic: string, payload: Buffer): Promise<Observation[]> => {
      const receivedAt = Date.now();
      if (journal === undefined) return handleMessage(topic, payload, ++memorySeq, receivedAt);
      const seq = await journal.append(topic, payload, receivedAt);
      return handleMessage(topic, payload, seq, receivedAt);
    };

    if (journal !== undefined) {
      const deviceJournal = journal;
      // What arrived before a crash and is past the checkpoint goes through the pipelines again, with
      // the context before it; content-derived ids make what was already sent a duplicate the cloud absorbs.
      replaying = true;
      if (deviceJournal.startsMidStream()) replayFilter = new ContinuingRunFilter(pipelineConfig.passes.silenceMs);
      let replayed = 0;
      for (const entry of deviceJournal.unprocessed()) {
        for (const observation of handleMessage(entry.topic, entry.payload, entry.seq, entry.receivedAt)) {
          feed(observation);
        }
        replayed++;
      }
      replaying = false;
      replayFilter = undefined;
      metrics.journalReplayed = replayed;
      if (replayed > 0) logger.info({ replayed }, "device messages replayed from the journal");
      // The checkpoint: every 500 ms, the watermark seen at the previous tick (its events have passed the
      // 20 ms batching and reached the outbox since) once the outbox is synced, unless it is refusing writes.
      const checkpoints = new JournalCheckpoints({
        journal: deviceJournal,
        outbox,
        watermark: (now) => holds.watermark(now),
        eventsWaiting: () => writer.waiting,
        contextMs: 2 * (stationaryMs + settleMs),
        onSyncFailure: (error) => stopOnFailure("the outbox could not be synced to disk", error),
        onCheckpointFailure: (error) => logger.warn({ err: error.message }, "journal checkpoint failed"),
      });
      const checkpointTimer = setInterval(() => void checkpoints.tick(), 500);
      checkpointTimer.unref();
      closers.push(async () => clearInterval(checkpointTimer));
    }

    let broker: EmbeddedBroker | undefined;
    if (embeddedDevices !== undefined) {
      const embedded = await startEmbeddedDeviceBroker(
        { devices: embeddedDevices, host: deviceHost, site, anonymous: policy.anonymous, logger, metrics },
        { links$, holdPublish: () => outboxFull() || writer.waiting, accept },
      );
      broker = embedded.broker;
      closers.push(() => embedded.broker.close());
      attach(embedded.source);
      deadLetters.connect((letter) =>
        embedded.broker.publish(deadLetterTopic(site.siteId, letter.deviceId), JSON.stringify(letter)),
      );
    } else if ("url" in options.devices) {
      const external = options.devices;
      const source = await connectMqttDeviceSource({
        url: external.url,
        username: external.username,
        password: external.password,
        siteId: site.siteId,
        edgeId,
        logger,
        accept,
      });
      attach(source);
      deadLetters.connect((letter) => source.publishDeadLetter(letter));
    }
    const deviceMqttUrl = broker?.url ?? ("url" in options.devices ? options.devices.url : "");

    const shelves = connectOpcuaShelves({
      site,
      edgeId,
      dataDir: options.dataDir,
      mode: options.mode ?? "production",
      opcua: options.opcua,
      logger,
      newId,
      onCondition: (condition: Condition) => {
        writer.push([journal === undefined ? condition : withContentId(condition)]);
      },
    });
    for (const shelf of shelves) attach(shelf);
    const shelvesReady = async (timeoutMs: number) => {
      const ready = new Set<string>();
      const all = Promise.allSettled(shelves.map((s) => s.ready.then(() => ready.add(s.id))));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return { waiting: shelves.map((s) => s.id).filter((id) => !ready.has(id)) };
    };

    const snapshot = (): EdgeMetrics => edgeMetricsSnapshot(metrics, { outbox, shelves, reference, sender });
    metricsServer = await startEdgeMetricsServer({ options, metrics: snapshot, outbox, logger, closers });
    const uplink = "httpUrl" in options.uplink ? options.uplink.httpUrl : options.uplink.mqttUrl;
    logger.info({ deviceMqttUrl, uplink, site: site.siteId, metrics: metricsServer?.url }, "edge running");
    return {
      deviceMqttUrl,
      metricsUrl: metricsServer?.url,
      metrics: snapshot,
      shelvesReady,
      drained,
      failed: shutdown.failed,
      close: shutdown.close,
    };
  } catch (error) {
    await shutdown.close();
    throw error;
  }
}
