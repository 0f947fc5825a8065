import { DEVICE_KIND_CHANNELS, deadLetterTopic, parseDeviceTopic, type SiteLayout, TOPIC_ROOT } from "@tally/protocols";

/**
 * Who a connected MQTT client is, as its credentials say: a device of the
 * site file (password or client certificate), or nobody (development mode
 * only). Never what its client id or topics claim.
 */
export type DeviceIdentity = { kind: "device"; deviceId: string } | { kind: "anonymous" };

/** Why the device broker refused something; the label of `tally_edge_mqtt_refused_total`. */
export type MqttRefusal =
  | "bad-credentials"
  | "anonymous"
  | "unknown-device"
  | "client-id-taken"
  | "publish-sys"
  | "publish-other-device"
  | "publish-channel"
  | "publish-topic"
  | "subscribe-sys"
  | "subscribe-topic"
  | "packet-too-large"
  | "packet-malformed";

export type AclVerdict = { ok: true } | { ok: false; refusal: MqttRefusal };

const ALLOWED: AclVerdict = { ok: true };
const refuse = (refusal: MqttRefusal): AclVerdict => ({ ok: false, refusal });

/**
 * The device broker's topic rules, from the site file. A device publishes
 * only on its own topics `tally/v1/{site}/dev/{its id}/{channel}`, on the
 * channels its kind uses, and subscribes only to its own dead-letter topic.
 * An anonymous client (development mode) may publish on any device topic of
 * the site that names a device of the site file, and read dead letters; no
 * one reads other devices' data, `#` or `$SYS`.
 */
export class DeviceAcl {
  private readonly kinds: Map<string, keyof typeof DEVICE_KIND_CHANNELS>;
  private readonly siteId: string;

  constructor(site: SiteLayout) {
    this.siteId = site.siteId;
    this.kinds = new Map(site.devices.map((d) => [d.id, d.kind]));
  }

  /** Whether the site file has this device. */
  knows(deviceId: string): boolean {
    return this.kinds.has(deviceId);
  }

  canPublish(identity: DeviceIdentity, topic: string): AclVerdict {
    if (topic.startsWith("$")) return refuse("publish-sys");
    const parsed = parseDeviceTopic(topic);
    if (parsed === undefined || parsed.siteId !== this.siteId) return refuse("publish-topic");
    const kind = this.kinds.get(parsed.deviceId);
    if (identity.kind === "anonymous") return kind === undefined ? refuse("publish-other-device") : ALLOWED;
    if (parsed.deviceId !== identity.deviceId || kind === undefined) return refuse("publish-other-device");
    return DEVICE_KIND_CHANNELS[kind].includes(parsed.channel) ? ALLOWED : refuse("publish-channel");
  }

  canSubscribe(identity: DeviceIdentity, topicFilter: string): AclVerdict {
    if (topicFilter.startsWith("$")) return refuse("subscribe-sys");
    if (identity.kind === "device") {
      return topicFilter === deadLetterTopic(this.siteId, identity.deviceId) ? ALLOWED : refuse("subscribe-topic");
    }
    // Dead letters only: `…/dead-letter/{device}`, `…/+` or `…/#`, nothing above them.
    const prefix = `${TOPIC_ROOT}/${this.siteId}/dead-letter/`;
    if (!topicFilter.startsWith(prefix)) return refuse("subscribe-topic");
    const rest = topicFilter.slice(prefix.length);
    return rest === "#" || rest === "+" || /^[A-Za-z0-9_.-]{1,64}$/.test(rest) ? ALLOWED : refuse("subscribe-topic");
  }
}
