import { type Condition, timeOrderedIdParts } from "@tally/protocols";
import { Subject } from "rxjs";
import { v7 as uuidv7 } from "uuid";
import type { EdgeMetricsServer } from "./adapters/metrics-server.js";
import { DeadLetterOutlet } from "./dead-letter-outlet.js";
import { DeviceIntake } from "./device-intake.js";
import { connectDeviceSources } from "./device-sources.js";
import type { DeviceLink } from "./domain/device-link.js";
import { indexSite } from "./domain/site-index.js";
import { checkDeviceBrokerPolicy } from "./edge-device-broker.js";
import { edgeDrained } from "./edge-drained.js";
import { startEdgeMetricsServer } from "./edge-metrics-server.js";
import { edgeMetricsSnapshot, newEdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeOptions, RunningEdge } from "./edge-options.js";
import { startEdgeOutboxWriting } from "./edge-outbox-writing.js";
import { startEdgeReferenceData } from "./edge-reference-data.js";
import { connectEdgeShelves } from "./edge-shelves.js";
import { EdgeShutdown } from "./edge-shutdown.js";
import { openEdgeStorage } from "./edge-storage.js";
import { startEdgeUplink } from "./edge-uplink.js";
import { replayJournal, siteJournalHolds, startJournalCheckpointTimer } from "./journal-replay.js";
import type { EdgeMetrics } from "./metrics.js";
import { ObservationFeed } from "./observation-feed.js";
import { subscribePipelineToOutbox } from "./pipeline-to-outbox.js";
import { DEFAULT_PIPELINE_CONFIG, type EdgePipelineConfig, pipelineSettleMs } from "./pipelines/edge-pipeline.js";

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
    const storage = await openEdgeStorage({ options, siteIndex, pipelineConfig, logger, closers, stopOnFailure });
    const { outbox, journal } = storage;
    const journalled = journal !== undefined;
    let metricsServer: EdgeMetricsServer | undefined;
    // Dead letters go out on the device broker, which starts after the uplink: until then they wait here.
    const deadLetters = new DeadLetterOutlet();
    const sender = startEdgeUplink(
      { options, outbox, logger, newId, closers },
      {
        publishDeadLetter: deadLetters.publish,
        raise: (condition) => raise(condition),
        onAcked: (ms) => metricsServer?.observeAckLatency(ms),
      },
    );
    const feed = new ObservationFeed(metrics, logger, closers);
    // Device connections as the embedded broker sees them; an external broker reports none (wills only).
    const links$ = embeddedDevices === undefined ? undefined : new Subject<DeviceLink>();
    const outboxWriting = { options, outbox, journalled, newId, sender, metrics, logger, stopOnFailure, closers };
    const { writer, deadLetterRates } = startEdgeOutboxWriting(outboxWriting);
    const raise = (condition: Condition) => writer.push([condition]);
    const reference = await startEdgeReferenceData(options, { logger, newId, raise, closers });

    // Device messages: journalled (fsync'd) before the device's publish is acknowledged, then decoded.
    const { holds, contextMs } = siteJournalHolds(site, pipelineConfig, settleMs);
    const intake = new DeviceIntake({ siteIndex, journal, holds, metrics, deadLetterRates, deadLetters, logger });
    const pipelineInputs = { feed, links$, reference, storage, siteIndex, siteId: site.siteId, newId, pipelineConfig };
    const events = subscribePipelineToOutbox({ ...pipelineInputs, writer, journalled, intake, metrics, logger });
    closers.push(async () => events.unsubscribe());

    if (journal !== undefined) {
      const silenceMs = pipelineConfig.passes.silenceMs;
      replayJournal({ journal, intake, feed, silenceMs, metrics, logger });
      startJournalCheckpointTimer({ journal, outbox, holds, writer, contextMs, stopOnFailure, logger, closers });
    }
    const devices = { options, embeddedDevices, deviceHost, anonymous: policy.anonymous, logger, metrics, links$ };
    const { deviceMqttUrl } = await connectDeviceSources({
      ...devices,
      outbox,
      writer,
      intake,
      feed,
      deadLetters,
      closers,
    });
    const { shelves, shelvesReady } = connectEdgeShelves({ options, logger, newId, writer, journalled, feed });

    const snapshot = (): EdgeMetrics => edgeMetricsSnapshot(metrics, { outbox, shelves, reference, sender });
    metricsServer = await startEdgeMetricsServer({ options, metrics: snapshot, outbox, logger, closers });
    const uplink = "httpUrl" in options.uplink ? options.uplink.httpUrl : options.uplink.mqttUrl;
    logger.info({ deviceMqttUrl, uplink, site: site.siteId, metrics: metricsServer?.url }, "edge running");
    const drained = () => edgeDrained({ feed, settleMs, sender, outbox, writer });
    const { close, failed } = shutdown;
    return { deviceMqttUrl, metricsUrl: metricsServer?.url, metrics: snapshot, shelvesReady, drained, failed, close };
  } catch (error) {
    await shutdown.close();
    throw error;
  }
}
