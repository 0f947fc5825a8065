import {
  canonicalTimestampMs,
  DEVICE_KIND_CHANNELS,
  type Device,
  type DeviceChannel,
  ErrorCode,
  ok,
  parseDeviceMessage,
  parseDeviceTopic,
  parseReaderPayload,
  type Rejection,
  type Result,
  rejected,
} from "@tally/protocols";
import { decodeScan } from "./decode-scan.js";
import type { Observation } from "./observation.js";
import type { SiteIndex } from "./site-index.js";

/** The channels each kind of device may publish on. */
const CHANNELS = DEVICE_KIND_CHANNELS;

/** A refused device message: the reason, and the device when the topic named one. */
export interface DeviceRejection extends Rejection {
  deviceId?: string | undefined;
}

/** A device topic of this site that names a known device on one of its channels. */
interface KnownTopic {
  deviceId: string;
  device: Device;
  channel: DeviceChannel;
}

/**
 * Accepted topics per site index: one entry per device and channel at most
 * (refused topics are never kept, so hostile topics cannot grow it).
 */
const knownTopics = new WeakMap<SiteIndex, Map<string, KnownTopic>>();

function refuse(code: ErrorCode, reason: string, deviceId?: string): Result<never, DeviceRejection> {
  return { ok: false, error: { code, reason, deviceId } };
}

/** The topic's device and channel, checked against the site file, or why it is refused. */
function checkTopic(site: SiteIndex, topic: string): Result<KnownTopic, DeviceRejection> {
  const parsedTopic = parseDeviceTopic(topic);
  if (parsedTopic === undefined) return rejected(ErrorCode.TopicUnknown, `not a device topic: ${topic.slice(0, 200)}`);
  const { siteId, deviceId, channel } = parsedTopic;
  if (siteId !== site.site.siteId) {
    return refuse(
      ErrorCode.TopicUnknown,
      `topic is for site ${siteId}; this edge serves ${site.site.siteId}`,
      deviceId,
    );
  }
  const device = site.device(deviceId);
  if (device === undefined) return refuse(ErrorCode.DeviceUnknown, `no device ${deviceId} in the site file`, deviceId);
  if (!CHANNELS[device.kind].includes(channel)) {
    return refuse(ErrorCode.DeviceChannel, `a ${device.kind} does not publish on '${channel}'`, deviceId);
  }
  return ok({ deviceId, device, channel });
}

/**
 * Turns one MQTT message from a device into typed observations, or a
 * rejection with a reason for the dead-letter topic. Pure; never throws.
 * `receivedAtMs`, when given, is stamped on tag reads (the edge's receive
 * time, against which reader clocks are checked).
 */
export function decodeDeviceMessage(
  site: SiteIndex,
  topic: string,
  payload: Uint8Array,
  receivedAtMs?: number,
): Result<Observation[], DeviceRejection> {
  let known = knownTopics.get(site);
  if (known === undefined) {
    known = new Map();
    knownTopics.set(site, known);
  }
  let checked = known.get(topic);
  if (checked === undefined) {
    const verdict = checkTopic(site, topic);
    if (!verdict.ok) return verdict;
    checked = verdict.value;
    known.set(topic, checked);
  }
  const { deviceId, device, channel } = checked;
  if (channel === "read" && device.kind === "rfid-portal") {
    // The site file names the reader's dialect; detection from the payload is the fallback.
    const reads = parseReaderPayload(device.format ?? "detect", payload);
    if (!reads.ok) return refuse(reads.error.code, reads.error.reason, deviceId);
    const found = reads.value.reads;
    const observations: Observation[] = new Array(found.length);
    for (let i = 0; i < found.length; i++) {
      const r = found[i] as (typeof found)[number];
      observations[i] = {
        type: "tag-read",
        // Joined, the id is one flat string; a template literal makes a tree of cons strings about twice
        // its size, and the pass detector keeps every read's id until its burst closes (decision 0203).
        id: [deviceId, r.readAt, i].join("/"),
        deviceId,
        epc: r.epc,
        antenna: r.antenna,
        rssi: r.rssi,
        at: r.readAt,
        atMs: canonicalTimestampMs(r.readAt),
        receivedAtMs,
      };
    }
    for (const notice of reads.value.notices) {
      observations.push({
        type: "reader-notice",
        id: `${deviceId}/${notice.at}/notice/${notice.index}`,
        deviceId,
        notice,
        at: notice.at,
      });
    }
    // Only the reader's own events (a Zebra heartbeat, GPI, an Impinj status…): no reads, but it is alive.
    if (observations.length === 0) observations.push({ type: "heartbeat", id: `${deviceId}/reader-event`, deviceId });
    return ok(observations);
  }
  const parsed = parseDeviceMessage(channel, payload);
  if (!parsed.ok) return refuse(parsed.error.code, parsed.error.reason, deviceId);
  const msg = parsed.value;
  switch (msg.channel) {
    case "read":
      // Reads from portals were handled above; no other kind publishes on `read`.
      return refuse(ErrorCode.DeviceChannel, "only RFID portals publish tag reads", deviceId);
    case "scan": {
      const scan = decodeScan(site, deviceId, device, msg.message);
      return scan.ok ? ok([scan.value]) : refuse(scan.error.code, scan.error.reason, deviceId);
    }
    case "weight": {
      const m = msg.message;
      if (device.kind !== "shelf" || !device.bins.some((b) => b.location === m.location)) {
        return refuse(
          ErrorCode.MessageSchema,
          `${m.location.slice(0, 200)} is not a bin of shelf ${deviceId}`,
          deviceId,
        );
      }
      return ok([
        {
          type: "weight",
          id: `${deviceId}/${m.measuredAt}`,
          deviceId,
          location: m.location,
          grams: m.grams,
          at: m.measuredAt,
        },
      ]);
    }
    case "temp":
      if (device.kind !== "temperature") return refuse(ErrorCode.DeviceChannel, "not a temperature sensor", deviceId);
      return ok([
        {
          type: "temperature",
          id: `${deviceId}/${msg.message.measuredAt}`,
          deviceId,
          location: device.location,
          celsius: msg.message.celsius,
          at: msg.message.measuredAt,
        },
      ]);
    case "hb": {
      const { sentAt, status } = msg.message;
      return ok([
        {
          type: "heartbeat",
          id: `${deviceId}/${sentAt ?? status}`,
          deviceId,
          ...(sentAt !== undefined ? { at: sentAt } : {}),
          ...(status !== undefined ? { status } : {}),
        },
      ]);
    }
  }
}
