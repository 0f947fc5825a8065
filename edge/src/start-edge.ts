import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import {
  type Condition,
  deadLetterTopic,
  type EdgeEvent,
  ErrorCode,
  type SiteLayout,
  timeOrderedIdParts,
} from "@tally/protocols";
import type { Logger } from "pino";
import { bufferTime, filter, Subject } from "rxjs";
import { v7 as uuidv7 } from "uuid";
import { type EmbeddedBroker, startEmbeddedBroker } from "./adapters/aedes-broker.js";
import { startDeadLetterRateTimer } from "./adapters/dead-letter-rate-timer.js";
import { startReferenceDataSync } from "./adapters/http-reference-data.js";
import { connectHttpUplink } from "./adapters/http-uplink-transport.js";
import { MemoryOutbox } from "./adapters/memory-outbox.js";
import { type EdgeMetricsServer, startMetricsServer } from "./adapters/metrics-server.js";
import { connectMqttDeviceSource, type DeadLetter } from "./adapters/mqtt-device-source.js";
import { connectMqttUplink } from "./adapters/mqtt-uplink-transport.js";
import { connectOpcuaShelves, type EdgeOpcuaOptions } from "./adapters/opcua-shelves.js";
import { readDeviceCredentialsFile } from "./adapters/security/device-credentials-file.js";
import { SqliteJournal } from "./adapters/sqlite-journal.js";
import { SqliteOutbox } from "./adapters/sqlite-outbox.js";
import { SqliteParkedTags } from "./adapters/sqlite-parked-tags.js";
import { SqliteTagCrossings } from "./adapters/sqlite-tag-crossings.js";
import { DEFAULT_DEVICE_MAX_MSG_RATE, DEFAULT_DEVICE_MAX_PACKET_BYTES } from "./config.js";
import { withContentId } from "./domain/content-id.js";
import { DeadLetterRates, type DeadLetterRatesConfig } from "./domain/dead-letter-rates.js";
import { decodeDeviceMessage } from "./domain/decode-device-message.js";
import { DeviceAcl } from "./domain/device-acl.js";
import { deviceBrokerPolicy, type EdgeMode, isLoopback } from "./domain/device-broker-policy.js";
import type { DeviceLink } from "./domain/device-link.js";
import { eventDeadLetter } from "./domain/event-dead-letter.js";
import { forgedAckCondition } from "./domain/forged-ack-condition.js";
import { JournalHolds, longestStationaryMs, shelfBinLocations } from "./domain/journal-holds.js";
import type { Observation } from "./domain/observation.js";
import { ContinuingRunFilter } from "./domain/replay-filter.js";
import { indexSite } from "./domain/site-index.js";
import { type TagMemory, whereaboutsOf } from "./domain/tag-whereabouts.js";
import { holdsUnjournalledEvents, opcuaShelfIds } from "./domain/unjournalled-events.js";
import { EdgeStartError } from "./edge-start-error.js";
import { JournalCheckpoints } from "./journal-checkpoints.js";
import type { EdgeMetrics } from "./metrics.js";
import {
  DEFAULT_PIPELINE_CONFIG,
  type EdgePipelineConfig,
  edgePipeline,
  pipelineSettleMs,
} from "./pipelines/edge-pipeline.js";
import { MemoryParkedTags, type ParkedTagStore } from "./pipelines/tag-memory.js";
import type { DeviceJournal } from "./ports/device-journal.js";
import type { DeviceSource } from "./ports/device-source.js";
import type { Outbox } from "./ports/outbox.js";
import { outboxPlatter } from "./testing/outbox-platter.js";
import { BacklogWatch } from "./uplink/backlog-watch.js";
import { DEFAULT_UPLINK_WINDOW, UplinkSender } from "./uplink/uplink-sender.js";

export interface EdgeOptions {
  site: SiteLayout;
  edgeId: string;
  /**
   * `development` lets devices in without credentials when the embedded
   * device broker binds the loopback, connects OPC-UA shelves with security
   * None or an anonymous user, and trusts an unknown OPC-UA server
   * certificate on first use, saying so in the log; `production` (the
   * default) does none of these.
   */
  mode?: EdgeMode;
  /** Start even when the device broker is open to anyone (loudly logged); default false. */
  insecure?: boolean;
  /**
   * The device broker: an external one by URL (with the edge's own login on
   * it), or an embedded aedes (port 0 = any free port) with its credentials
   * file (device id → password hash), TLS files, packet size and rate limits.
   */
  devices:
    | { url: string; username?: string | undefined; password?: string | undefined }
    | {
        embedded: {
          host?: string;
          port: number;
          credentialsFile?: string | undefined;
          tls?: { certFile: string; keyFile: string; caFile?: string | undefined } | undefined;
          /** Largest MQTT packet a device may send, bytes (default 264 KiB). */
          maxPacketBytes?: number | undefined;
          /** Publishes per second per authenticated device (default 2000, one second's worth as burst). */
          maxMsgRate?: number | undefined;
        };
      };
  /** Where batches go: the cloud's broker (`mqttUrl`) or its HTTP API (`httpUrl`, `POST /v1/ingest`). */
  /**
   * Where batches go: the cloud's broker (`mqttUrl`, logging in as the edge id with `token`, over TLS
   * trusting `caFile` for mqtts://) or its HTTP API (`httpUrl`, `POST /v1/ingest` with `token`).
   */
  uplink: (
    | { mqttUrl: string; token?: string | undefined; caFile?: string | undefined }
    | { httpUrl: string; token?: string | undefined }
  ) & {
    maxBatch?: number;
    flushMs?: number;
    /** Most batches in flight at once (default 4; 1: one at a time, batches without `after`). */
    window?: number;
    ackTimeoutMs?: number;
    /** Backoff cap: the longest wait for an acknowledgement before a resend, ms (default 60 s). */
    maxAckTimeoutMs?: number;
    /** MQTT keepalive, s (default 60): how soon a silent connection is noticed (after 1.5 ×). */
    keepaliveS?: number;
  };
  logger: Logger;
  pipeline?: Partial<EdgePipelineConfig>;
  /**
   * Where the outbox lives: on disk at `${dataDir}/edge/${edgeId}/outbox.db`
   * (survives restarts and kill -9), or in memory when not given. The cached
   * reference data is kept beside it.
   */
  dataDir?: string;
  /** Where to fetch the item master and open expected receipts and shipments; the site file alone without. */
  reference?: { cloudUrl: string; token?: string | undefined; pollMs?: number };
  /** Bound on the durable outbox, bytes (default 512 MiB): past it telemetry is shed, then devices are held. */
  outboxMaxBytes?: number;
  /** Bound on age (default 7 days): telemetry and conditions queued longer are shed; movements and tasks never. */
  outboxMaxAgeMs?: number;
  /** Dead letters kept (events the cloud refused for good, default 10,000): past it the oldest are dropped. */
  outboxMaxDeadLetters?: number;
  /** Test hook: cap the outbox file at this many SQLite pages, so writes past it fail with SQLITE_FULL. */
  outboxPageLimit?: number | undefined;
  /**
   * Test hook (the fault suite's power cut): the outbox's files are copied to this folder at each point
   * where what it wrote is durable (`outboxPlatter`).
   */
  outboxPlatterDir?: string | undefined;
  /** Test hook: the device journal's writer thread once made (a test terminates it to play its death). */
  onJournalWriter?: ((writer: Worker) => void) | undefined;
  /** Serve Prometheus metrics at `http://host:port/metrics` (port 0: any free port); none without. */
  metricsServer?: { host?: string; port: number };
  opcua?: EdgeOpcuaOptions;
  /** Each device's dead letters per window sent as `dead-letters` telemetry: window (1 min) and ids per window (1000). */
  deadLetterRate?: Partial<DeadLetterRatesConfig>;
}

export interface RunningEdge {
  /** Where devices publish. */
  deviceMqttUrl: string;
  /** Where Prometheus scrapes the edge, when it serves metrics. */
  metricsUrl?: string | undefined;
  metrics(): EdgeMetrics;
  /**
   * Resolves when every OPC-UA shelf is monitored, or after `timeoutMs` with
   * the names of those that are not (they keep retrying in the background).
   */
  shelvesReady(timeoutMs: number): Promise<{ waiting: string[] }>;
  /**
   * Resolves once the edge has finished with what it received: no device
   * data for long enough that every pass, held cross-read and shelf weight
   * has settled, and every event acknowledged by the cloud.
   */
  drained(): Promise<void>;
  /**
   * Settles with the reason if the edge stops on its own: its journal's writer
   * thread died or its outbox could not be synced, so it could no longer
   * acknowledge a device or keep what it was given. It has closed itself by
   * then; a process should exit non-zero, for a supervisor to restart it (the
   * journal replays what it holds). Never settles otherwise.
   */
  failed: Promise<Error>;
  close(): Promise<void>;
}

/** Starts an edge node: device broker, OPC-UA shelves, pipelines, outbox and uplink. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const { site, edgeId } = options;
  const logger = options.logger.child({ component: "edge", edgeId });
  const mode = options.mode ?? "production";
  const insecure = options.insecure ?? false;
  const embeddedDevices = "embedded" in options.devices ? options.devices.embedded : undefined;
  const deviceHost = embeddedDevices?.host ?? "127.0.0.1";
  // Before anything is opened: a device broker open to anyone is refused up front.
  const policy = deviceBrokerPolicy({
    mode,
    insecure,
    embedded:
      embeddedDevices === undefined
        ? undefined
        : {
            host: deviceHost,
            tls: embeddedDevices.tls !== undefined,
            clientCertificates: embeddedDevices.tls?.caFile !== undefined,
            credentialsFile: embeddedDevices.credentialsFile !== undefined,
          },
  });
  if (policy.problems.length > 0) {
    const problems = policy.problems.map((p) => `${p.problem} (fix: ${p.fix})`);
    if (!insecure) {
      throw new EdgeStartError(
        ErrorCode.EdgeInsecure,
        `the edge will not start with its device broker open: ${problems.join("; ")}; ` +
          "or set TALLY_INSECURE=true (tally edge --insecure) to start anyway",
      );
    }
    logger.warn({ problems }, "INSECURE: the device broker is open to anyone who reaches it (TALLY_INSECURE=true)");
  }
  if (policy.anonymous && mode === "development" && isLoopback(deviceHost)) {
    logger.warn("development mode: anonymous devices accepted on the loopback only");
  }
  const siteIndex = indexSite(site);
  const newId = () => uuidv7(timeOrderedIdParts());
  const metrics = {
    messagesReceived: 0,
    observations: 0,
    deadLetters: {} as Record<string, number>,
    eventsQueued: 0,
    readerOverflows: 0,
    outboxWriteFailures: 0,
    journalReplayed: 0,
    mqttRefused: {} as Record<string, number>,
    mqttRateLimited: 0,
    temperatureReadingsLate: {} as Record<string, number>,
    readerClocks: {} as Record<string, { offsetMs: number; correcting: boolean }>,
  };
  const closers: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const closeOne of closers.reverse()) {
        try {
          await closeOne();
        } catch (error) {
          logger.warn({ err: (error as Error).message }, "error while closing");
        }
      }
    })();
    return closing;
  };
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    reportFailure = resolve;
  });
  /** The edge can no longer keep what devices give it: it says so and stops, for a supervisor to restart it. */
  const stopOnFailure = (what: string, error: Error) => {
    if (closing !== undefined) return;
    logger.fatal({ err: error.message }, `${what}: the edge stops (restart it; the journal replays what it holds)`);
    void close().then(() => reportFailure(error));
  };

  try {
    const pipelineConfig: EdgePipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...options.pipeline };
    const settleMs = pipelineSettleMs(pipelineConfig, site);

    let outbox: Outbox;
    let journal: DeviceJournal | undefined;
    /** What the RFID pipelines knew of tags before the restart: each tag's last crossing and where its goods went. */
    let tagMemory: TagMemory = { tags: [], skuMoves: [] };
    let parkedTags: ParkedTagStore = new MemoryParkedTags();
    if (options.dataDir !== undefined) {
      const edgeDir = join(options.dataDir, "edge", edgeId);
      let crossings: SqliteTagCrossings | undefined;
      const durable = new SqliteOutbox(join(edgeDir, "outbox.db"), {
        maxBytes: options.outboxMaxBytes ?? 512 * 1024 * 1024,
        maxAgeMs: options.outboxMaxAgeMs ?? 7 * 24 * 3600 * 1000,
        ...(options.outboxMaxDeadLetters !== undefined ? { maxDeadLetters: options.outboxMaxDeadLetters } : {}),
        ...(options.outboxPageLimit !== undefined ? { maxPageCount: options.outboxPageLimit } : {}),
        // Appends are not fsync'd on their own: the journal keeps their messages until a sync (decision 0190).
        durability: "sync",
        ...(options.outboxPlatterDir !== undefined
          ? { onDurable: outboxPlatter(join(edgeDir, "outbox.db"), options.outboxPlatterDir).keep }
          : {}),
        // Written by the append that queues the movement: the memory that a tag moved is never ahead of or
        // behind the movement itself, whenever the process dies.
        alongside: (db) => {
          crossings = new SqliteTagCrossings(
            db,
            (event) => whereaboutsOf(siteIndex, event),
            pipelineConfig.reads.maxTags,
          );
          return crossings;
        },
      });
      closers.push(async () => durable.close());
      outbox = durable;
      if (durable.depth() > 0) logger.info({ pending: durable.depth() }, "outbox has events from before the restart");
      tagMemory = crossings?.load() ?? tagMemory;
      if (tagMemory.tags.length > 0) {
        logger.info({ tags: tagMemory.tags.length }, "tag crossings remembered from before the restart");
      }
      const parked = new SqliteParkedTags(join(edgeDir, "parked-tags.db"), {
        onError: (error) => logger.warn({ err: error.message }, "parked-tag memory write failed"),
      });
      closers.push(async () => parked.close());
      parkedTags = parked;
      const deviceJournal = new SqliteJournal(join(options.dataDir, "edge", edgeId, "journal.db"), {
        onWriterFailure: (error) => stopOnFailure("the device journal's writer thread stopped", error),
        ...(options.onJournalWriter !== undefined ? { onWriterStarted: options.onJournalWriter } : {}),
      });
      closers.push(async () => deviceJournal.close());
      journal = deviceJournal;
      await deviceJournal.ready();
    } else {
      outbox = new MemoryOutbox(
        options.outboxMaxDeadLetters !== undefined ? { maxDeadLetters: options.outboxMaxDeadLetters } : {},
      );
    }
    const outboxFull = () => {
      const usage = outbox.usage();
      return usage.maxBytes !== undefined && usage.bytes >= usage.maxBytes;
    };
    const backlog = new BacklogWatch(edgeId, site.siteId, newId);
    const transport =
      "httpUrl" in options.uplink
        ? connectHttpUplink({ cloudUrl: options.uplink.httpUrl, token: options.uplink.token, logger })
        : connectMqttUplink({
            url: options.uplink.mqttUrl,
            siteId: site.siteId,
            edgeId,
            token: options.uplink.token,
            caFile: options.uplink.caFile,
            logger,
            keepaliveS: options.uplink.keepaliveS ?? 60,
          });
    closers.push(() => transport.close());
    let metricsServer: EdgeMetricsServer | undefined;
    // Dead letters go out on the device broker, which starts after the uplink: until then they wait here.
    const earlyLetters: DeadLetter[] = [];
    let publishDeadLetter: (letter: DeadLetter) => void = (letter) => {
      if (earlyLetters.length < 1000) earlyLetters.push(letter);
    };
    const sender = new UplinkSender(
      outbox,
      transport,
      {
        edgeId,
        siteId: site.siteId,
        maxBatch: options.uplink.maxBatch ?? 500,
        flushMs: options.uplink.flushMs ?? 0,
        window: options.uplink.window ?? DEFAULT_UPLINK_WINDOW,
        ackTimeoutMs: options.uplink.ackTimeoutMs ?? 5000,
        maxAckTimeoutMs: Math.max(options.uplink.maxAckTimeoutMs ?? 60_000, options.uplink.ackTimeoutMs ?? 5000),
        newId,
        instanceId: uuidv7(),
      },
      {
        onRejected: (ack) =>
          logger.error({ batchId: ack.batchId, rejected: ack.rejected.slice(0, 10) }, "cloud rejected events"),
        onDeadLettered: (letters) => {
          for (const letter of letters) {
            const { event, code, reason, batchId } = letter;
            logger.warn(
              { eventId: event.id, kind: event.kind, code, reason, batchId },
              "event refused by the cloud kept as a dead letter (tally edge dead-letters)",
            );
            publishDeadLetter(eventDeadLetter(site.siteId, edgeId, letter));
          }
        },
        onForgedAck: (ack, reason) => {
          logger.error({ batchId: ack.batchId, reason }, "forged acknowledgement ignored");
          // Raised to the cloud like any condition, so a supervisor sees it: one open alert per edge.
          unsaved.push([forgedAckCondition(site.siteId, edgeId, reason, new Date(), newId)]);
          void saveUnsaved();
        },
        onError: (error) => logger.warn({ err: (error as Error).message }, "uplink problem"),
        onAcked: (ms) => metricsServer?.observeAckLatency(ms),
      },
    );
    sender.start();
    closers.push(async () => sender.stop());

    const observations$ = new Subject<Observation>();
    // Device connections as the embedded broker sees them; an external broker reports none (wills only).
    const links$ = embeddedDevices === undefined ? undefined : new Subject<DeviceLink>();
    const reference =
      options.reference === undefined
        ? undefined
        : await startReferenceDataSync({
            cloudUrl: options.reference.cloudUrl,
            token: options.reference.token,
            siteId: site.siteId,
            pollMs: options.reference.pollMs ?? 30_000,
            cacheFile:
              options.dataDir === undefined ? undefined : join(options.dataDir, "edge", edgeId, "reference-data.json"),
            siteItems: site.items,
            logger,
          });
    if (reference !== undefined) closers.push(async () => reference.close());
    let lastObservationMs = 0;
    const drained = async () => {
      for (;;) {
        const wait = lastObservationMs + settleMs - Date.now();
        if (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        await sender.drained();
        if (Date.now() - lastObservationMs >= settleMs && outbox.depth() === 0 && unsaved.length === 0) return;
      }
    };

    // Events wait here until the outbox takes them; when it refuses (disk full) they are kept in memory and
    // retried every second, and the journal's checkpoint does not move until they are in.
    const unsaved: EdgeEvent[][] = [];
    const opcuaShelves = opcuaShelfIds(site);
    let saving = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const saveUnsaved = async (): Promise<void> => {
      if (saving) return;
      saving = true;
      try {
        while (unsaved.length > 0) {
          const next = unsaved[0] as EdgeEvent[];
          try {
            await outbox.append(next);
          } catch (error) {
            metrics.outboxWriteFailures++;
            logger.error({ err: (error as Error).message, events: next.length }, "outbox append failed; retrying");
            retryTimer ??= setTimeout(() => {
              retryTimer = undefined;
              void saveUnsaved();
            }, 1000);
            return;
          }
          unsaved.shift();
          // The journal cannot rebuild these after a power cut: make them durable now, not at the next checkpoint.
          if (journal !== undefined && holdsUnjournalledEvents(next, opcuaShelves)) {
            outbox
              .sync()
              .catch((error: unknown) => stopOnFailure("the outbox could not be synced to disk", error as Error));
          }
          const condition = backlog.check(outbox.usage(), new Date());
          if (condition !== undefined) {
            logger.warn({ fill: condition.value, state: condition.state }, "outbox backlog");
            unsaved.push([journal === undefined ? condition : withContentId(condition)]);
          }
        }
        sender.notify();
      } finally {
        saving = false;
      }
    };
    closers.push(async () => clearTimeout(retryTimer));
    // Each device's dead letters a minute, as telemetry through the outbox like the pipelines' (fresh ids: not replayed).
    const rates = new DeadLetterRates({ siteId: site.siteId, newId }, options.deadLetterRate);
    const deadLetterRates = startDeadLetterRateTimer(rates, (telemetry) => {
      metrics.eventsQueued += telemetry.length;
      unsaved.push(telemetry);
      void saveUnsaved();
    });
    closers.push(async () => deadLetterRates.stop());
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
          unsaved.push(journal === undefined ? batch : batch.map(withContentId));
          void saveUnsaved();
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
      publishDeadLetter({
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
        eventsWaiting: () => unsaved.length > 0,
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
      const credentials =
        embeddedDevices.credentialsFile === undefined
          ? undefined
          : (await readDeviceCredentialsFile(embeddedDevices.credentialsFile)).devices;
      const tlsFiles = embeddedDevices.tls;
      const tls =
        tlsFiles === undefined
          ? undefined
          : {
              cert: await readFile(tlsFiles.certFile),
              key: await readFile(tlsFiles.keyFile),
              ...(tlsFiles.caFile !== undefined ? { ca: await readFile(tlsFiles.caFile) } : {}),
            };
      const rate = embeddedDevices.maxMsgRate ?? DEFAULT_DEVICE_MAX_MSG_RATE;
      // The embedded broker's devices as a source like any other: what `accept` decodes is emitted here.
      const brokerObservations$ = new Subject<Observation>();
      let brokerReceived = 0;
      const embedded = await startEmbeddedBroker({
        host: deviceHost,
        port: embeddedDevices.port,
        logger,
        tls,
        maxPacketBytes: embeddedDevices.maxPacketBytes ?? DEFAULT_DEVICE_MAX_PACKET_BYTES,
        security: {
          acl: new DeviceAcl(site),
          credentials,
          anonymous: policy.anonymous,
          rate: { perSecond: rate, burst: rate },
        },
        onRefused: (refusal) => {
          metrics.mqttRefused[refusal] = (metrics.mqttRefused[refusal] ?? 0) + 1;
        },
        onRateLimited: () => {
          metrics.mqttRateLimited++;
        },
        onLink: (link) => links$?.next(link),
        // Every client is a device: the edge's own publishes (dead letters) go through the broker itself.
        // Held while the outbox refuses writes (disk full): the events wait in memory, devices wait for their PUBACK.
        holdPublish: () => outboxFull() || unsaved.length > 0,
        onPublish: async (_clientId, topic, payload) => {
          brokerReceived++;
          for (const observation of await accept(topic, payload)) brokerObservations$.next(observation);
        },
      });
      broker = embedded;
      closers.push(() => embedded.close());
      attach({
        id: "mqtt-embedded",
        observations$: brokerObservations$,
        ready: Promise.resolve(),
        metrics: () => ({ received: brokerReceived, refused: { ...metrics.mqttRefused }, reconnects: 0 }),
        // The broker itself is closed on its own (above): ending the stream is all that is left.
        close: async () => brokerObservations$.complete(),
      });
      publishDeadLetter = (letter) =>
        embedded.publish(deadLetterTopic(site.siteId, letter.deviceId), JSON.stringify(letter));
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
      publishDeadLetter = (letter) => source.publishDeadLetter(letter);
    }
    for (const letter of earlyLetters.splice(0)) publishDeadLetter(letter);
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
        unsaved.push([journal === undefined ? condition : withContentId(condition)]);
        void saveUnsaved();
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

    const snapshot = (): EdgeMetrics => ({
      ...metrics,
      deadLetters: { ...metrics.deadLetters },
      mqttRefused: { ...metrics.mqttRefused },
      temperatureReadingsLate: { ...metrics.temperatureReadingsLate },
      readerClocks: { ...metrics.readerClocks },
      outboxDepth: outbox.depth(),
      outbox: outbox.usage(),
      eventDeadLetters: outbox.deadLetterUsage(),
      opcuaValuesRejected: shelves.reduce(
        (n, s) => n + Object.values(s.metrics().refused).reduce((a, b) => a + b, 0),
        0,
      ),
      opcuaValuesRefused: Object.fromEntries(shelves.map((s) => [s.id, s.metrics().refused])),
      opcuaBadBins: Object.fromEntries(shelves.map((s) => [s.id, s.badBins()])),
      opcuaMonitoredBins: Object.fromEntries(shelves.map((s) => [s.id, s.monitoredBins()])),
      opcuaShelfRefusals: shelves.reduce((n, s) => n + s.metrics().reconnects, 0),
      referenceAsOf: reference?.asOf(),
      uplink: {
        ...sender.counters,
        eventsDeadLettered: { ...sender.counters.eventsDeadLettered },
        batchesInFlight: sender.batchesInFlight,
      },
    });
    if (options.metricsServer !== undefined) {
      metricsServer = await startMetricsServer({
        host: options.metricsServer.host ?? "127.0.0.1",
        port: options.metricsServer.port,
        metrics: snapshot,
        oldestAgeMs: async () => {
          const [oldest] = await outbox.peek(1);
          return oldest === undefined ? undefined : Math.max(0, Date.now() - Date.parse(oldest.occurredAt));
        },
        logger,
      });
      const server = metricsServer;
      closers.push(() => server.close());
    }
    const uplink = "httpUrl" in options.uplink ? options.uplink.httpUrl : options.uplink.mqttUrl;
    logger.info({ deviceMqttUrl, uplink, site: site.siteId, metrics: metricsServer?.url }, "edge running");
    return {
      deviceMqttUrl,
      metricsUrl: metricsServer?.url,
      metrics: snapshot,
      shelvesReady,
      drained,
      failed,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
