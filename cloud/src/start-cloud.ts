import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { CommitAck } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { startAedesBroker } from "./adapters/aedes-broker.js";
import { readAlertPolicyFile } from "./adapters/alert-policy-file.js";
import { createLedgerStore } from "./adapters/create-ledger-store.js";
import { createTelemetryStore } from "./adapters/create-telemetry-store.js";
import { startMqttIngest } from "./adapters/mqtt-ingest.js";
import { urlHost } from "./adapters/url-host.js";
import type { AlertCause } from "./alerts/alert-cause.js";
import { AlertHub } from "./alerts/alert-hub.js";
import { AlertPolicy } from "./alerts/alert-policy.js";
import { AlertSweeper } from "./alerts/alert-sweeper.js";
import { notifierFailingCause } from "./alerts/cloud-rules.js";
import { buildApp } from "./app.js";
import { type BootstrapToken, Credentials } from "./auth/credentials.js";
import { isLoopbackHost } from "./config.js";
import { BatchOrder } from "./ingest/batch-order.js";
import { CLOUD_INGEST_ID } from "./ingest/broker-acl.js";
import { EdgeRegistry } from "./ingest/edge-registry.js";
import { nowAndThen } from "./ingest/now-and-then.js";
import { SecurityWatch } from "./ingest/security-watch.js";
import { SiteFactsCache } from "./ingest/site-facts.js";
import { UnknownSiteWatch } from "./ingest/unknown-site-watch.js";
import type { LedgerStore } from "./ledger/ledger-store.js";
import { newId } from "./ledger/new-id.js";
import { Notifier } from "./notifications/notifier.js";
import { notifierMetrics } from "./notifications/notifier-metrics.js";
import { alertMetrics } from "./plugins/alert-metrics.js";
import type { ApiLimits } from "./plugins/api-limits.js";
import type { ApiMode } from "./plugins/authenticate.js";
import { createCloudMetrics, type IngestObserver } from "./plugins/metrics.js";
import { CloudStartError, cloudSecurityProblems } from "./security-check.js";
import { overdueTaskSource } from "./tasks/overdue-tasks.js";
import { DEFAULT_TASK_DUE, type TaskDuePolicy } from "./tasks/task-due.js";
import { commitNudgesForwarder } from "./telemetry/commit-nudges.js";
import { TelemetryForwarder } from "./telemetry/telemetry-forwarder.js";
import { telemetryMetrics } from "./telemetry/telemetry-metrics.js";
import type { TelemetryStore } from "./telemetry/telemetry-store.js";
import { ThreadedTelemetryForwarder } from "./telemetry/threaded-telemetry-forwarder.js";

export interface CloudOptions {
  /** HTTP host, default 127.0.0.1. */
  host?: string;
  /** HTTP port, default 8080; 0 picks a free port. */
  port?: number;
  /** The SQLite ledger lives at `${dataDir}/cloud/ledger.db`; default `.data`. */
  dataDir?: string;
  /** `postgres://…`: the PostgreSQL ledger instead of SQLite. */
  databaseUrl?: string;
  /**
   * `http(s)://host:port/<database>`: telemetry in InfluxDB 1.x; without, the embedded
   * `${dataDir}/cloud/telemetry.db`. Committed telemetry is forwarded there after each commit.
   */
  influxUrl?: string | undefined;
  /** Telemetry rows the ledger keeps for the telemetry store while it is away; past it the oldest go. */
  telemetryHandoffMax?: number | undefined;
  /** The telemetry forwarder on a worker thread with its own ledger connection (decision 0193); default off. */
  telemetryForwardThread?: boolean | undefined;
  /** An external broker, or an embedded aedes on `port` (0 picks a free port). */
  mqtt: { url: string } | { embedded: { host?: string; port: number } };
  /**
   * Tokens from the environment (`TALLY_API_TOKENS`), beside those kept in
   * the ledger's database: an edge's (`edge@SITE/EDGE:secret`) lets that
   * edge log in to the cloud's broker and call `POST /v1/ingest`.
   */
  bootstrapTokens?: readonly BootstrapToken[];
  /** On an external broker: the cloud's own user there (its ACL must let it read batches and write acks). */
  mqttAuth?: { username: string; password: string } | undefined;
  /** On an external broker over `mqtts://`: the CA that signed its certificate (PEM file). */
  mqttCaFile?: string | undefined;
  /** The embedded broker listens with TLS (`mqtts://`) with this certificate and key (PEM files). */
  brokerTls?: { certFile: string; keyFile: string } | undefined;
  /** The HTTP API over TLS (`https://`) with this certificate and key (PEM files). */
  httpTls?: { certFile: string; keyFile: string } | undefined;
  /**
   * Start beyond the loopback even with the problems `cloudSecurityProblems` names (each is logged).
   * Without it such a start is refused with a `CloudStartError` naming each problem and its fix.
   */
  insecure?: boolean | undefined;
  /** Default development when `host` is a loopback address, else production (nothing anonymous). */
  mode?: ApiMode;
  /** Rate limit, throttle, body limit and request timeout over the defaults. */
  apiLimits?: Partial<ApiLimits>;
  /** Correction task due times per type; `DEFAULT_TASK_DUE` without. */
  taskDue?: TaskDuePolicy | undefined;
  /** Consume batches as a member of this MQTT shared subscription group (several cloud instances, external broker). */
  mqttShareGroup?: string | undefined;
  /** How long an edge's previous process may still send after a new one started, ms (default 30 s). */
  edgeGraceMs?: number | undefined;
  logger: Logger;
  /**
   * Called synchronously after each ingested batch's commit, before its ack is published (MQTT) or
   * answered (HTTP). A test hook: the CLI's `TALLY_FAILPOINT` kills the process from here.
   */
  onCommitted?: (ack: CommitAck) => void;
  /** The alert policy file (JSON); none: the built-in defaults. Read and validated before anything starts. */
  alertPolicyFile?: string | undefined;
  /** The alert policy itself (tests); wins over `alertPolicyFile`. */
  alertPolicy?: AlertPolicy | undefined;
  /** How often the alert sweeper runs, ms (default 5 s). */
  alertSweepMs?: number | undefined;
  /** Hold the stock at risk (one QUARANTINE task per lot) when a temperature excursion closes; default false. */
  holdStockAtRisk?: boolean | undefined;
  /** A cycle count's difference in units the ledger corrects by itself with a COUNT movement; default 0 (a task each). */
  countAutoCorrectUnits?: number | undefined;
}

export interface RunningCloud {
  /** `http://host:port` of the API. */
  url: string;
  /** The broker the cloud consumes batches from, e.g. `mqtt://127.0.0.1:1884`. */
  mqttUrl: string;
  store: LedgerStore;
  /** Where committed telemetry is forwarded and `GET /v1/telemetry` reads. */
  telemetry: TelemetryStore;
  /** Turns secrets into principals (API and the brokers' authentication). */
  credentials: Credentials;
  /**
   * An admin token this process made for itself (kept in memory only, valid while it runs): what
   * `startSystem` sets up the site and documents with. Not for people: create theirs with `tally token create`.
   */
  adminToken: string;
  /** Stops ingest, the API, the embedded broker and the store, in that order. Idempotent. */
  close(): Promise<void>;
}

/** The forwarder from the hand-off to the telemetry store: in the cloud's thread, or on a thread of its own. */
function telemetryForwarder(
  options: CloudOptions,
  stores: { ledger: LedgerStore; telemetry: TelemetryStore },
  logger: Logger,
  registry: Registry,
): Pick<TelemetryForwarder, "start" | "nudge" | "close"> {
  const observer = telemetryMetrics(registry);
  const maxPending = options.telemetryHandoffMax;
  if (options.telemetryForwardThread === true) {
    const ledger =
      options.databaseUrl !== undefined
        ? { databaseUrl: options.databaseUrl }
        : { dataDir: options.dataDir ?? ".data" };
    const telemetry =
      options.influxUrl !== undefined ? { influxUrl: options.influxUrl } : { dataDir: options.dataDir ?? ".data" };
    return new ThreadedTelemetryForwarder({
      data: { ledger, telemetry, maxPending, logLevel: logger.level },
      logger,
      observer,
    });
  }
  return new TelemetryForwarder({
    ledger: stores.ledger,
    store: stores.telemetry,
    logger,
    observer,
    ...(maxPending !== undefined && { maxPending }),
  });
}

/** Composition root: opens the ledger, starts the broker (if embedded), the HTTP API and MQTT ingest. */
export async function startCloud(options: CloudOptions): Promise<RunningCloud> {
  const { logger } = options;
  const host = options.host ?? "127.0.0.1";
  const mode = options.mode ?? (isLoopbackHost(host) ? "development" : "production");
  // Secure by default: checked before anything is opened or bound.
  const mqtt =
    "embedded" in options.mqtt
      ? { embedded: { host: options.mqtt.embedded.host ?? host, port: options.mqtt.embedded.port } }
      : options.mqtt;
  const problems = cloudSecurityProblems({ ...options, host, mode, mqtt });
  if (problems.length > 0) {
    if (options.insecure !== true) throw new CloudStartError(problems);
    logger.warn({ problems }, "INSECURE: starting despite the security check's problems (--insecure)");
  }
  const policy =
    options.alertPolicy ??
    (options.alertPolicyFile !== undefined ? readAlertPolicyFile(options.alertPolicyFile) : new AlertPolicy());
  const store = await createLedgerStore(
    options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : { dataDir: options.dataDir ?? ".data" },
  );
  store.alerting.usePolicy(policy);
  store.excursions.usePolicy({ holdOnClose: options.holdStockAtRisk === true });
  store.useCountPolicy({ autoCorrectUnits: options.countAutoCorrectUnits ?? 0 });
  const alerts = new AlertHub();
  const credentials = new Credentials({ store: store.security, bootstrap: options.bootstrapTokens ?? [] });
  // Closed in reverse order of starting, on failure as on close().
  const stops: (() => Promise<void>)[] = [() => store.close()];
  let telemetry: TelemetryStore;
  try {
    telemetry = createTelemetryStore(
      options.influxUrl !== undefined ? { influxUrl: options.influxUrl } : { dataDir: options.dataDir ?? ".data" },
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  stops.push(() => telemetry.close());
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: error }, "error while stopping the cloud"));
    }
  };
  try {
    const edges = new EdgeRegistry(options.edgeGraceMs !== undefined ? { graceMs: options.edgeGraceMs } : {});
    const metrics = createCloudMetrics(edges);
    alertMetrics(metrics.registry, store.alerting);
    const security = new SecurityWatch({ store, alerts, logger, observer: metrics.observer });
    const siteFacts = new SiteFactsCache(store);
    const unknownSites = new UnknownSiteWatch({ store, alerts, logger });
    let mqttUrl: string;
    let ingestAuth: { username: string; password: string } | undefined;
    if ("embedded" in options.mqtt) {
      // The cloud's ingest logs in to its own broker with a secret made now and never written anywhere.
      const secret = randomBytes(32).toString("base64url");
      credentials.addInternal(secret, { id: CLOUD_INGEST_ID, name: "cloud-ingest", role: "admin" });
      ingestAuth = { username: "cloud-ingest", password: secret };
      const broker = await startAedesBroker({
        port: options.mqtt.embedded.port,
        logger,
        host: options.mqtt.embedded.host ?? host,
        tls: options.brokerTls,
        access: {
          authenticate: async (username, password) => {
            if (password === undefined) return undefined;
            const principal = await credentials.authenticate(password);
            // An edge logs in under its own id: the user name cannot claim another edge's.
            if (principal?.role === "edge" && principal.edgeId !== username) return undefined;
            return principal;
          },
          onRefused: (event) =>
            security.refused({
              where: "broker",
              refusal: event.refusal,
              reason: event.reason,
              principal: event.principal,
              source: `${event.clientId}@${event.remote ?? "?"}`,
            }),
        },
      });
      stops.push(() => broker.close());
      mqttUrl = broker.url;
    } else {
      mqttUrl = options.mqtt.url;
      ingestAuth = options.mqttAuth;
    }
    // Committed telemetry goes on to the telemetry store after the commit, never inside it.
    const forwarder = telemetryForwarder(
      options,
      { ledger: store, telemetry },
      logger.child({ component: "telemetry-forwarder" }),
      metrics.registry,
    );
    const onCommitted = options.onCommitted;
    const observer: IngestObserver = {
      ingested: (ack, seconds, transport) => {
        metrics.observer.ingested(ack, seconds, transport);
        if (commitNudgesForwarder(ack)) forwarder.nudge();
        onCommitted?.(ack);
      },
      failed: (transport) => metrics.observer.failed(transport),
      refused: (where, refusal) => metrics.observer.refused(where, refusal),
      orderHeld: (outcome) => metrics.observer.orderHeld?.(outcome),
      orderLookupFailed: () => metrics.observer.orderLookupFailed?.(),
    };
    // One for both transports: an edge's batches commit in the order it sent them, over MQTT or HTTP.
    const warnLookupFailure = nowAndThen<unknown>(10_000, (error, leftOut) =>
      logger.warn(
        { err: error, failuresNotLogged: leftOut },
        "could not ask the ledger whether a held batch's predecessor committed: the batch stays held",
      ),
    );
    // A predecessor neither settled nor in flight here is asked of the ledger: another instance on the shared
    // subscription may have committed it, or this one before a restart.
    const order = new BatchOrder({
      lookup: (batch) => store.batchCommitted(batch),
      onHeld: () => observer.orderHeld?.("held"),
      onFound: () => observer.orderHeld?.("found"),
      onExpired: () => observer.orderHeld?.("expired"),
      onLookupFailed: (error) => {
        observer.orderLookupFailed?.();
        warnLookupFailure(error);
      },
    });
    const adminToken = `internal-${randomBytes(32).toString("base64url")}`;
    credentials.addInternal(adminToken, { id: "internal:admin", name: "cloud-internal-admin", role: "admin" });
    const app: FastifyInstance = await buildApp({
      store,
      telemetry,
      logger,
      alerts,
      metrics: { ...metrics, observer },
      edges,
      order,
      siteFacts,
      unknownSites,
      https: options.httpTls,
      credentials,
      mode,
      ...(options.apiLimits !== undefined && { limits: options.apiLimits }),
      ...(options.taskDue !== undefined && { taskDue: options.taskDue }),
    });
    stops.push(() => app.close());
    await app.listen({ host, port: options.port ?? 8080 });
    const url = `${options.httpTls === undefined ? "http" : "https"}://${urlHost(host)}:${(app.server.address() as AddressInfo).port}`;
    const ingest = await startMqttIngest({
      url: mqttUrl,
      store,
      alerts,
      logger,
      observer,
      edges,
      order,
      shareGroup: options.mqttShareGroup,
      username: ingestAuth?.username,
      password: ingestAuth?.password,
      caFile: options.mqttCaFile,
      pinnedCertFile: "embedded" in options.mqtt ? options.brokerTls?.certFile : undefined,
      credentials,
      security,
      siteFacts,
      unknownSites,
    });
    stops.push(() => ingest.close());
    const sweeper = new AlertSweeper({
      store: store.alerting,
      publish: (changed) => alerts.publish(changed),
      logger,
      intervalMs: options.alertSweepMs,
      overdueTasks: overdueTaskSource(store.tasks, options.taskDue ?? DEFAULT_TASK_DUE),
    });
    sweeper.start();
    stops.push(() => sweeper.close());
    forwarder.start();
    stops.push(() => forwarder.close());
    // On its own thread, the forwarder loads its code and opens its connections first: up means up.
    if (forwarder instanceof ThreadedTelemetryForwarder) await forwarder.ready();
    // Webhooks: one notifier per process; deliveries are claimed, so two processes never send one twice.
    const rules = policy.rules();
    const receiverAlert = (cause: AlertCause) =>
      store.alerting
        .applyCauses([cause], new Date())
        .then((changed) => alerts.publish(changed.filter((a) => a.status !== "pending")))
        .catch((error: unknown) => logger.error({ err: error }, "could not record a webhook receiver's state"));
    const notifier = new Notifier({
      store: store.notifications,
      logger: logger.child({ component: "notifier" }),
      observer: notifierMetrics(metrics.registry),
      grouping: { windowMs: policy.groupWindowMs() },
      failingAfterMs: rules.notifierFailingMs,
      onReceiverFailing: (webhook, since) =>
        void receiverAlert(
          notifierFailingCause({ ...webhook, siteIds: webhook.filters.siteIds }, { since }, new Date(), newId),
        ),
      onReceiverRecovered: (webhook) =>
        void receiverAlert(
          notifierFailingCause({ ...webhook, siteIds: webhook.filters.siteIds }, undefined, new Date(), newId),
        ),
    });
    notifier.start();
    stops.push(() => notifier.close());
    // Several cloud processes on one PostgreSQL: each streams the alerts the others changed too.
    stops.push(await store.alerting.watchOthers((changed) => alerts.publish(changed)));
    logger.info({ url, mqttUrl, store: store.kind, telemetry: telemetry.kind }, "cloud started");

    let closing: Promise<void> | undefined;
    return {
      url,
      mqttUrl,
      store,
      telemetry,
      credentials,
      adminToken,
      close: () => {
        closing ??= stopAll().then(() => logger.info("cloud stopped"));
        return closing;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
