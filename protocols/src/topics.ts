/**
 * Every MQTT topic Tally uses, in one place. Scheme (see
 * docs/decisions/0003-topics-and-envelope.md):
 *
 *   tally/v1/{site}/dev/{device}/{channel}   device → edge (channel: read, scan, weight, temp, hb)
 *   tally/v1/{site}/dead-letter/{device}     edge → anyone: rejected device messages with a reason
 *   tally/v1/{site}/edge/{edge}/batch        edge → cloud: batch envelopes
 *   tally/v1/{site}/edge/{edge}/ack          cloud → edge: commit acknowledgements
 */
export const TOPIC_ROOT = "tally/v1";

/** Device channels: what a device publishes. */
export const DEVICE_CHANNELS = ["read", "scan", "weight", "temp", "hb"] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value)) throw new RangeError(`invalid ${what} for a topic: ${JSON.stringify(value)}`);
  return value;
}

export function deviceTopic(siteId: string, deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/dev/${segment(deviceId, "device id")}/${channel}`;
}

/** Subscription for every device message of a site. */
export function deviceSubscription(siteId: string): string {
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/dev/#`;
}

export interface DeviceTopic {
  siteId: string;
  deviceId: string;
  channel: DeviceChannel;
}

/** Parses a device topic; undefined when it is not one (wrong shape or channel). */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split("/");
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[3] !== "dev") return undefined;
  const [, , siteId, , deviceId, channel] = parts;
  if (siteId === undefined || deviceId === undefined || channel === undefined) return undefined;
  if (!SEGMENT.test(siteId) || !SEGMENT.test(deviceId)) return undefined;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { siteId, deviceId, channel: channel as DeviceChannel };
}

/** Where rejected device messages are published; `deviceId` is `_` when unknown. */
export function deadLetterTopic(siteId: string, deviceId = "_"): string {
  const device = SEGMENT.test(deviceId) ? deviceId : "_";
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/dead-letter/${device}`;
}

export function deadLetterSubscription(siteId: string): string {
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/dead-letter/#`;
}

export function uplinkBatchTopic(siteId: string, edgeId: string): string {
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/edge/${segment(edgeId, "edge id")}/batch`;
}

/** What the cloud subscribes to for batches from every edge of every site. */
export const UPLINK_BATCH_SUBSCRIPTION = `${TOPIC_ROOT}/+/edge/+/batch`;

export function ackTopic(siteId: string, edgeId: string): string {
  return `${TOPIC_ROOT}/${segment(siteId, "site id")}/edge/${segment(edgeId, "edge id")}/ack`;
}

/** Parses a batch topic into its site and edge ids. */
export function parseUplinkBatchTopic(topic: string): { siteId: string; edgeId: string } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[3] !== "edge" || parts[5] !== "batch") {
    return undefined;
  }
  const siteId = parts[2];
  const edgeId = parts[4];
  if (siteId === undefined || edgeId === undefined || !SEGMENT.test(siteId) || !SEGMENT.test(edgeId)) return undefined;
  return { siteId, edgeId };
}
