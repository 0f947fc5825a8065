import { deadLetterTopic } from "@tally/protocols";
import type { Logger } from "pino";
import type { Subject } from "rxjs";
import { connectMqttDeviceSource } from "./adapters/mqtt-device-source.js";
import type { DeadLetterOutlet } from "./dead-letter-outlet.js";
import type { DeviceIntake } from "./device-intake.js";
import type { DeviceLink } from "./domain/device-link.js";
import { type EmbeddedDevices, startEmbeddedDeviceBroker } from "./edge-device-broker.js";
import type { EdgeCounters } from "./edge-metrics-snapshot.js";
import type { EdgeOptions } from "./edge-options.js";
import type { ObservationFeed } from "./observation-feed.js";
import type { OutboxWriter } from "./outbox-writer.js";
import type { Outbox } from "./ports/outbox.js";

export interface DeviceSourcesContext {
  options: EdgeOptions;
  /** The embedded broker's options, when the edge runs its own (else `options.devices` names a broker's URL). */
  embeddedDevices: EmbeddedDevices | undefined;
  deviceHost: string;
  /** Devices may connect to the embedded broker without credentials (the device broker policy's verdict). */
  anonymous: boolean;
  logger: Logger;
  metrics: Pick<EdgeCounters, "mqttRefused" | "mqttRateLimited">;
  /** Where the embedded broker reports device connections. */
  links$: Subject<DeviceLink> | undefined;
  /** While it is full, or the writer holds events it refused, device publishes wait for their PUBACK. */
  outbox: Pick<Outbox, "usage">;
  writer: Pick<OutboxWriter, "waiting">;
  /** Journals and decodes each device message: the observations to pass on. */
  intake: Pick<DeviceIntake, "accept">;
  /** Where the source's observations go (and its close is pushed, after the broker's). */
  feed: Pick<ObservationFeed, "attach">;
  /** Connected to the source's dead-letter topic once it is up: the letters that waited go out first. */
  deadLetters: Pick<DeadLetterOutlet, "connect">;
  closers: (() => Promise<void>)[];
}

/**
 * Starts the embedded device broker, or connects to the site's broker by URL, as the edge's MQTT device source;
 * resolves with the URL devices publish to.
 */
export async function connectDeviceSources(context: DeviceSourcesContext): Promise<{ deviceMqttUrl: string }> {
  const { options, embeddedDevices, logger, feed, deadLetters } = context;
  const { site } = options;
  if (embeddedDevices !== undefined) {
    const embedded = await startEmbeddedDeviceBroker(
      {
        devices: embeddedDevices,
        host: context.deviceHost,
        site,
        anonymous: context.anonymous,
        logger,
        metrics: context.metrics,
      },
      {
        links$: context.links$,
        holdPublish: () => isOutboxFull(context.outbox) || context.writer.waiting,
        accept: context.intake.accept,
      },
    );
    context.closers.push(() => embedded.broker.close());
    feed.attach(embedded.source);
    deadLetters.connect((letter) =>
      embedded.broker.publish(deadLetterTopic(site.siteId, letter.deviceId), JSON.stringify(letter)),
    );
    return { deviceMqttUrl: embedded.broker.url };
  }
  if ("url" in options.devices) {
    const external = options.devices;
    const source = await connectMqttDeviceSource({
      url: external.url,
      username: external.username,
      password: external.password,
      siteId: site.siteId,
      edgeId: options.edgeId,
      logger,
      accept: context.intake.accept,
    });
    feed.attach(source);
    deadLetters.connect((letter) => source.publishDeadLetter(letter));
    return { deviceMqttUrl: external.url };
  }
  return { deviceMqttUrl: "" };
}

/** Whether the outbox has reached its size bound (it refuses writes then). */
export function isOutboxFull(outbox: Pick<Outbox, "usage">): boolean {
  const usage = outbox.usage();
  return usage.maxBytes !== undefined && usage.bytes >= usage.maxBytes;
}
