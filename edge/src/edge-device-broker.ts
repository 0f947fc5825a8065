import { readFile } from "node:fs/promises";
import { ErrorCode, type SiteLayout } from "@tally/protocols";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import { type EmbeddedBroker, startEmbeddedBroker } from "./adapters/aedes-broker.js";
import { readDeviceCredentialsFile } from "./adapters/security/device-credentials-file.js";
import { DEFAULT_DEVICE_MAX_MSG_RATE, DEFAULT_DEVICE_MAX_PACKET_BYTES } from "./config.js";
import { DeviceAcl } from "./domain/device-acl.js";
import { type DeviceBrokerPolicy, deviceBrokerPolicy, isLoopback } from "./domain/device-broker-policy.js";
import type { DeviceLink } from "./domain/device-link.js";
import type { Observation } from "./domain/observation.js";
import type { EdgeOptions } from "./edge-options.js";
import { EdgeStartError } from "./edge-start-error.js";
import type { EdgeMetrics } from "./metrics.js";
import type { DeviceSource } from "./ports/device-source.js";

/**
 * The device broker's policy for these options: an edge whose broker is open to anyone does not start
 * (an {@link EdgeStartError} naming each problem and its fix) unless `insecure`, which is logged loudly.
 */
export function checkDeviceBrokerPolicy(
  options: EdgeOptions,
  embeddedDevices: EmbeddedDevices | undefined,
  deviceHost: string,
  logger: Logger,
): DeviceBrokerPolicy {
  const mode = options.mode ?? "production";
  const insecure = options.insecure ?? false;
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
  return policy;
}

/** The embedded device broker's options (`devices.embedded`). */
export type EmbeddedDevices = Extract<EdgeOptions["devices"], { embedded: unknown }>["embedded"];

export interface EmbeddedDeviceBrokerContext {
  devices: EmbeddedDevices;
  host: string;
  site: SiteLayout;
  /** Devices may connect without credentials (the device broker policy's verdict). */
  anonymous: boolean;
  logger: Logger;
  /** The edge's counters of what the broker refused and rate-limited, counted in place. */
  metrics: Pick<EdgeMetrics, "mqttRefused" | "mqttRateLimited">;
}

export interface EmbeddedDeviceBrokerHooks {
  /** Device connections as the broker sees them. */
  links$: Subject<DeviceLink> | undefined;
  /** Whether device publishes wait for their PUBACK (the outbox refuses writes). */
  holdPublish(): boolean;
  /** Journals and decodes a device's publish: the observations to pass on. */
  accept(topic: string, payload: Buffer): Promise<Observation[]>;
}

/**
 * Starts the embedded device broker (credentials, TLS, packet and rate limits from its options) and makes
 * its devices a source like any other: what `accept` decodes is emitted on the source's stream. The broker
 * is closed on its own; the source's close only ends the stream.
 */
export async function startEmbeddedDeviceBroker(
  context: EmbeddedDeviceBrokerContext,
  hooks: EmbeddedDeviceBrokerHooks,
): Promise<{ broker: EmbeddedBroker; source: DeviceSource }> {
  const { devices, metrics } = context;
  const credentials =
    devices.credentialsFile === undefined
      ? undefined
      : (await readDeviceCredentialsFile(devices.credentialsFile)).devices;
  const tlsFiles = devices.tls;
  const tls =
    tlsFiles === undefined
      ? undefined
      : {
          cert: await readFile(tlsFiles.certFile),
          key: await readFile(tlsFiles.keyFile),
          ...(tlsFiles.caFile !== undefined ? { ca: await readFile(tlsFiles.caFile) } : {}),
        };
  const rate = devices.maxMsgRate ?? DEFAULT_DEVICE_MAX_MSG_RATE;
  const brokerObservations$ = new Subject<Observation>();
  let brokerReceived = 0;
  const broker = await startEmbeddedBroker({
    host: context.host,
    port: devices.port,
    logger: context.logger,
    tls,
    maxPacketBytes: devices.maxPacketBytes ?? DEFAULT_DEVICE_MAX_PACKET_BYTES,
    security: {
      acl: new DeviceAcl(context.site),
      credentials,
      anonymous: context.anonymous,
      rate: { perSecond: rate, burst: rate },
    },
    onRefused: (refusal) => {
      metrics.mqttRefused[refusal] = (metrics.mqttRefused[refusal] ?? 0) + 1;
    },
    onRateLimited: () => {
      metrics.mqttRateLimited++;
    },
    onLink: (link) => hooks.links$?.next(link),
    // Every client is a device: the edge's own publishes (dead letters) go through the broker itself.
    // Held while the outbox refuses writes (disk full): the events wait in memory, devices wait for their PUBACK.
    holdPublish: () => hooks.holdPublish(),
    onPublish: async (_clientId, topic, payload) => {
      brokerReceived++;
      for (const observation of await hooks.accept(topic, payload)) brokerObservations$.next(observation);
    },
  });
  const source: DeviceSource = {
    id: "mqtt-embedded",
    observations$: brokerObservations$,
    ready: Promise.resolve(),
    metrics: () => ({ received: brokerReceived, refused: { ...metrics.mqttRefused }, reconnects: 0 }),
    // The broker itself is closed on its own: ending the stream is all that is left.
    close: async () => brokerObservations$.complete(),
  };
  return { broker, source };
}
