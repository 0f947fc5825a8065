import { type Condition, deadLetterTopic, type EdgeEvent, timeOrderedIdParts } from "@tally/protocols";
import { bufferTime, filter, Subject } from "rxjs";
import { v7 as uuidv7 } from "uuid";
import type { EmbeddedBroker } from "./adapters/aedes-broker.js";
import type { EdgeMetricsServer } from "./adapters/metrics-server.js";
import { connectMqttDeviceSource } from "./adapters/mqtt-device-source.js";
import { connectOpcuaShelves } from "./adapters/opcua-shelves.js";
import { DeadLetterOutlet } from "./dead-letter-outlet.js";
import { DeviceIntake } from "./device-intake.js";
import { withContentId } from "./domain/content-id.js";
import type { DeviceLink } from "./domain/device-link.js";
import { indexSite } from "./domain/site-index.js";
import { checkDeviceBrokerPolicy, startEmbeddedDeviceBroker } from "./edge-device-broker.js";
import { edgeDrained } from "./edge-drained.js";
import { startEdgeMetricsServer } from "./edge-metrics-server.js";
import { edgeMetricsSnapshot, newEdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeOptions, RunningEdge } from "./edge-options.js";
import { startEdgeOutboxWriting } from "./edge-outbox-writing.js";
import { startEdgeReferenceData } from "./edge-reference-data.js";
import { EdgeShutdown } from "./edge-shutdown.js";
import { openEdgeStorage } from "./edge-storage.js";
import { startEdgeUplink } from "./edge-uplink.js";
import { replayJournal, siteJournalHolds, startJournalCheckpointTimer } from "./journal-replay.js";
import type { EdgeMetrics } from "./metrics.js";
import { ObservationFeed } from "./observation-feed.js";
import {
  DEFAULT_PIPELINE_CONFIG,
  type EdgePipelineConfig,
  edgePipeline,
  pipelineSettleMs,
} from "./pipelines/edge-pipeline.js";

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

    const feed = new ObservationFeed(metrics, logger, closers);
    // Device connections as the embedded broker sees them; an external broker reports none (wills only).
    const links$ = embeddedDevices === undefined ? undefined : new Subject<DeviceLink>();
    const reference = await startEdgeReferenceData(options, logger, closers);

    const journalled = journal !== undefined;
    const outboxWriting = { options, outbox, journalled, newId, sender, metrics, logger, stopOnFailure, closers };
    const { writer, deadLetterRates } = startEdgeOutboxWriting(outboxWriting);

    // Device messages: journalled (fsync'd) before the device's publish is acknowledged, then decoded.
    const { holds, contextMs } = siteJournalHolds(site, pipelineConfig, settleMs);
    const intake = new DeviceIntake({ siteIndex, journal, holds, metrics, deadLetterRates, deadLetters, logger });
    const events = edgePipeline(
      {
        observations$: feed.observations$,
        ...(links$ !== undefined ? { links$ } : {}),
        ...(reference !== undefined ? { reference$: reference.reference$ } : {}),
        tagMemory,
        parkedTags,
        onLateTemperature: (_deviceId, stage) => {
          if (intake.replaying) return;
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

    if (journal !== undefined) {
      const silenceMs = pipelineConfig.passes.silenceMs;
      replayJournal({ journal, intake, feed, silenceMs, metrics, logger });
      startJournalCheckpointTimer({ journal, outbox, holds, writer, contextMs, stopOnFailure, logger, closers });
    }

    let broker: EmbeddedBroker | undefined;
    if (embeddedDevices !== undefined) {
      const embedded = await startEmbeddedDeviceBroker(
        { devices: embeddedDevices, host: deviceHost, site, anonymous: policy.anonymous, logger, metrics },
        { links$, holdPublish: () => outboxFull() || writer.waiting, accept: intake.accept },
      );
      broker = embedded.broker;
      closers.push(() => embedded.broker.close());
      feed.attach(embedded.source);
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
        accept: intake.accept,
      });
      feed.attach(source);
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
    for (const shelf of shelves) feed.attach(shelf);
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
      drained: () => edgeDrained({ feed, settleMs, sender, outbox, writer }),
      failed: shutdown.failed,
      close: shutdown.close,
    };
  } catch (error) {
    await shutdown.close();
    throw error;
  }
}
