import {
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
import type { Observation } from "./observation.js";
import { readScanCode, type ScannedItem } from "./read-scan-code.js";
import type { SiteIndex } from "./site-index.js";

/** Most units one scan may count: the bound of `ScanMessage.qty`. */
const MAX_SCAN_QTY = 100_000;

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
        id: `${deviceId}/${r.readAt}/${i}`,
        deviceId,
        epc: r.epc,
        antenna: r.antenna,
        rssi: r.rssi,
        at: r.readAt,
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
      const m = msg.message;
      const location = m.location ?? ("location" in device ? device.location : undefined);
      if (location === undefined || !site.hasLocation(location)) {
        return refuse(ErrorCode.MessageSchema, `scan location ${String(location)} is not in the site file`, deviceId);
      }
      if (m.action === "PUTAWAY" && (m.fromLocation === undefined || !site.hasLocation(m.fromLocation))) {
        return refuse(
          ErrorCode.MessageSchema,
          "a PUTAWAY scan needs a fromLocation that is in the site file",
          deviceId,
        );
      }
      let item: ScannedItem = { gtin: m.gtin ?? "" };
      if (m.code !== undefined) {
        const read = readScanCode(m.code, new Date(m.scannedAt));
        if (!read.ok) return refuse(read.error.code, read.error.reason, deviceId);
        item = read.value;
      }
      const qty = item.count ?? m.qty;
      // A count the barcode carries (AI 30/37, up to 8 digits) gets the bounds of a scan's own qty: a 0 or a
      // 99,999,999 would become a movement the cloud refuses, far from the scan that caused it.
      if (qty < 1 || qty > MAX_SCAN_QTY) {
        return refuse(
          ErrorCode.BarcodeInvalid,
          `the barcode counts ${qty} units; a scan counts 1 to ${MAX_SCAN_QTY}`,
          deviceId,
        );
      }
      return ok([
        {
          type: "scan",
          id: `${deviceId}/${m.scannedAt}`,
          deviceId,
          gtin: item.gtin,
          qty,
          action: m.action,
          location,
          fromLocation: m.fromLocation,
          lot: m.lot ?? item.lot,
          expiry: item.expiry,
          at: m.scannedAt,
        },
      ]);
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
