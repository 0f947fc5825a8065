import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import {
  ackTopic,
  type CommitAck,
  ErrorCode,
  parseUplinkBatchTopic,
  UPLINK_BATCH_SUBSCRIPTION,
} from "@tally/protocols";
import mqtt from "mqtt";
import type { Logger } from "pino";
import type { AlertHub } from "../alerts/alert-hub.js";
import type { Credentials } from "../auth/credentials.js";
import { BatchOrder, PredecessorNotCommitted } from "../ingest/batch-order.js";
import { decodeBatch } from "../ingest/decode-batch.js";
import type { EdgeRegistry } from "../ingest/edge-registry.js";
import { ingestBatch, rejectBatch } from "../ingest/ingest-batch.js";
import type { SecurityWatch } from "../ingest/security-watch.js";
import type { SiteFactsSource } from "../ingest/site-checks.js";
import { SiteFactsCache } from "../ingest/site-facts.js";
import type { UnknownSiteWatch } from "../ingest/unknown-site-watch.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import { newId } from "../ledger/new-id.js";
import type { IngestObserver } from "../plugins/metrics.js";

/** How long close() waits for the broker to take the last acks, ms. */
const END_TIMEOUT_MS = 2000;
/** Batches handled at once by default: decoded and checked while those before them commit. */
export const DEFAULT_INGEST_DEPTH = 16;

export interface MqttIngestOptions {
  url: string;
  store: LedgerStore;
  alerts: AlertHub;
  logger: Logger;
  clientId?: string;
  /** Where ingest reports what it did (metrics). */
  observer?: IngestObserver | undefined;
  /** The edges' sequence numbers and identities, shared with the HTTP ingest route. */
  edges?: EdgeRegistry | undefined;
  /** Commits each edge's batches in the order it sent them (shared with HTTP ingest); a new one without. */
  order?: BatchOrder | undefined;
  /**
   * Batches handled at once (default 16): the next ones are decoded and checked while earlier ones commit
   * (one edge's commits stay one at a time, in its order). Past it the broker's next message waits.
   */
  depth?: number | undefined;
  /**
   * Consume as one member of a shared subscription group (`$share/<group>/…`,
   * MQTT 5 and Mosquitto): several cloud instances then split the edges'
   * batches between them instead of each getting every one.
   */
  shareGroup?: string | undefined;
  /** How ingest logs in to the broker: the cloud's own credential (embedded) or its user on an external broker. */
  username?: string | undefined;
  password?: string | undefined;
  /** PEM file of the CA that signed an external broker's TLS certificate (`mqtts://`). */
  caFile?: string | undefined;
  /**
   * The cloud's own embedded broker over TLS: its certificate (PEM file). The
   * connection is accepted only from a server presenting exactly this
   * certificate (pinned), whatever CA signed it.
   */
  pinnedCertFile?: string | undefined;
  /**
   * Which edges have credentials: a batch on the topic of an edge without
   * one is dropped and raised as a forgery. On an external broker this, with
   * the broker's ACL binding each topic to its user, is what ties a batch to
   * a credential; the embedded broker checks the publisher itself as well.
   */
  credentials?: Credentials | undefined;
  /** Where refusals go (metrics, log, alert). */
  security?: SecurityWatch | undefined;
  /** The sites' layouts and item master that events are checked against (shared with HTTP ingest); a new cache without. */
  siteFacts?: SiteFactsSource | undefined;
  /** Told of batches for a site without a layout (log and alert). */
  unknownSites?: UnknownSiteWatch | undefined;
}

/** Counters since start. */
export interface MqttIngestStats {
  /** Batch messages received. */
  received: number;
  /** Acks published after a commit. */
  acked: number;
  /** Batches refused whole with a rejected ack (topic does not match the envelope). */
  rejected: number;
  /** Messages dropped unacked: wrong topic, too large, not JSON, bad envelope. */
  garbled: number;
  /** Batches on the topic of an edge that has no credential: dropped unacked, raised as forgeries. */
  unknownEdge: number;
  /** Commits that failed (database down): no ack, the edge resends. */
  commitFailures: number;
  /** Batches whose `after` did not commit within the hold: no ack, the edge resends both. */
  orderExpired: number;
}

export interface MqttIngest {
  readonly stats: Readonly<MqttIngestStats>;
  close(): Promise<void>;
}

/**
 * Subscribes (QoS 1) to every edge's batch topic and commits each batch
 * through `ingestBatch`, then publishes the CommitAck (QoS 1) — only after
 * the commit. Up to `depth` messages are handled at once: mqtt.js waits for
 * `handleMessage`'s callback before it reads the next packet, which is
 * called at once while there is room, so the next batches are decoded and
 * checked while earlier ones commit, and memory stays bounded. One edge's
 * batches commit one at a time in the order it sent them (`BatchOrder`).
 * The PUBACK says nothing of the commit: only the CommitAck takes events out
 * of the edge's outbox.
 * Resolves once the subscription is granted.
 */
export async function startMqttIngest(options: MqttIngestOptions): Promise<MqttIngest> {
  const logger = options.logger.child({ component: "mqtt-ingest" });
  const subscription =
    options.shareGroup === undefined
      ? UPLINK_BATCH_SUBSCRIPTION
      : `$share/${options.shareGroup}/${UPLINK_BATCH_SUBSCRIPTION}`;
  const stats: MqttIngestStats = {
    received: 0,
    acked: 0,
    rejected: 0,
    garbled: 0,
    unknownEdge: 0,
    commitFailures: 0,
    orderExpired: 0,
  };
  const order = options.order ?? new BatchOrder();
  const client = mqtt.connect(options.url, {
    clientId: options.clientId ?? `tally-cloud-${newId()}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.username !== undefined && { username: options.username }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.caFile !== undefined && { ca: readFileSync(options.caFile) }),
    // Pinned below instead of verified against a CA: the cloud knows its own broker's certificate exactly.
    ...(options.pinnedCertFile !== undefined && { rejectUnauthorized: false }),
  });
  const pinned =
    options.pinnedCertFile === undefined
      ? undefined
      : new X509Certificate(readFileSync(options.pinnedCertFile)).fingerprint256;
  client.on("connect", () => {
    if (pinned !== undefined) {
      const presented = client.stream instanceof TLSSocket ? client.stream.getPeerCertificate().fingerprint256 : "";
      if (presented !== pinned) {
        logger.error({ url: options.url }, "the broker did not present the cloud's own certificate; disconnecting");
        client.stream.destroy();
        return;
      }
    }
    if (client.stream instanceof Socket) client.stream.setNoDelay(true);
    logger.info({ url: options.url }, "connected to MQTT broker");
  });
  client.on("error", (error) => logger.warn({ err: error }, "MQTT client error"));
  client.on("offline", () => logger.warn("MQTT broker unreachable; retrying"));

  const siteFacts = options.siteFacts ?? new SiteFactsCache(options.store);
  const unconfirmedAcks = new Set<Promise<void>>();
  const publishAck = (siteId: string, edgeId: string, ack: CommitAck) => {
    // Not awaited: the PUBACK for it arrives on the stream this handler holds (see above).
    const confirmed = new Promise<void>((resolve) => {
      client.publish(ackTopic(siteId, edgeId), JSON.stringify(ack), { qos: 1 }, (error) => {
        if (error) logger.warn({ err: error, batchId: ack.batchId }, "ack not delivered to the broker");
        resolve();
      });
    });
    unconfirmedAcks.add(confirmed);
    void confirmed.then(() => unconfirmedAcks.delete(confirmed));
  };

  const handle = async (topic: string, payload: Buffer): Promise<void> => {
    stats.received += 1;
    const ids = parseUplinkBatchTopic(topic);
    if (ids === undefined) {
      stats.garbled += 1;
      logger.warn({ topic, code: ErrorCode.TopicUnknown }, "message on an unknown topic dropped");
      return;
    }
    if (options.credentials !== undefined && !(await options.credentials.knowsEdge(ids.siteId, ids.edgeId))) {
      stats.unknownEdge += 1;
      options.security?.refused({
        where: "mqtt",
        refusal: "unknown-edge",
        reason: `a batch on the topic of edge ${ids.edgeId} of site ${ids.siteId}, which has no credential`,
        siteId: ids.siteId,
        source: ids.edgeId,
      });
      return;
    }
    const decoded = decodeBatch(payload);
    if (!decoded.ok) {
      stats.garbled += 1;
      logger.warn({ topic, bytes: payload.byteLength, ...decoded.error }, "batch dropped");
      return;
    }
    const batch = decoded.value;
    if (batch.siteId !== ids.siteId || batch.edgeId !== ids.edgeId) {
      stats.rejected += 1;
      const reason = `topic names site ${ids.siteId} edge ${ids.edgeId}, envelope site ${batch.siteId} edge ${batch.edgeId}`;
      logger.warn({ topic, batchId: batch.batchId, reason }, "batch refused");
      options.security?.refused({
        where: "mqtt",
        refusal: "envelope-mismatch",
        reason: `edge ${ids.edgeId} sent a batch whose envelope names another edge or site: ${reason}`,
        siteId: ids.siteId,
        source: ids.edgeId,
      });
      publishAck(ids.siteId, ids.edgeId, rejectBatch(batch, { code: ErrorCode.SiteMismatch, reason }));
      return;
    }
    let ack: CommitAck;
    try {
      const observer = options.observer;
      ack = await ingestBatch(
        {
          store: options.store,
          alerts: options.alerts,
          siteFacts,
          unknownSites: options.unknownSites,
          order,
          ...(options.edges !== undefined ? { edges: options.edges } : {}),
          ...(observer ? { observe: (a: CommitAck, seconds: number) => observer.ingested(a, seconds, "mqtt") } : {}),
        },
        batch,
      );
    } catch (error) {
      if (error instanceof PredecessorNotCommitted) {
        stats.orderExpired += 1;
        logger.warn({ batchId: batch.batchId, seq: batch.seq, after: batch.after }, error.message);
        return;
      }
      stats.commitFailures += 1;
      options.observer?.failed("mqtt");
      logger.error({ err: error, batchId: batch.batchId }, "commit failed; no ack, the edge will resend");
      return;
    }
    publishAck(ids.siteId, ids.edgeId, ack);
    stats.acked += 1;
  };

  const depth = Math.max(1, options.depth ?? DEFAULT_INGEST_DEPTH);
  const handling = new Set<Promise<void>>();
  /** The broker's next message, waiting for a free place. */
  let waiting: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  client.handleMessage = (packet, callback) => {
    // Closing: leave it unacked by us; the edge resends it to the next cloud.
    if (closing !== undefined) return callback();
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    const handled: Promise<void> = handle(packet.topic, payload)
      .catch((error: unknown) => {
        logger.error({ err: error, topic: packet.topic }, "batch handling failed");
      })
      .finally(() => {
        handling.delete(handled);
        const next = waiting;
        waiting = undefined;
        next?.();
      });
    handling.add(handled);
    // mqtt.js reads the next packet once called back: at once while there is room, else when a batch is done.
    if (handling.size < depth) callback();
    else waiting = () => callback();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("end", () => reject(new Error("MQTT client ended before connecting")));
    });
    await client.subscribeAsync(subscription, { qos: 1 });
  } catch (error) {
    await client.endAsync(true);
    throw error;
  }
  logger.info({ subscription }, "consuming edge batches");

  return {
    stats,
    close: () => {
      closing ??= (async () => {
        while (handling.size > 0) await Promise.all(handling);
        // Let the broker confirm the last acks, but a broker that is gone must not hold shutdown up.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(unconfirmedAcks),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, END_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
        await client.endAsync(true);
      })();
      return closing;
    },
  };
}
