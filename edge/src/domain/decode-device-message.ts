import {
  type DeviceChannel,
  type DeviceKind,
  ErrorCode,
  ok,
  parseDeviceMessage,
  parseDeviceTopic,
  type Rejection,
  type Result,
  rejected,
} from "@tally/protocols";
import type { Observation } from "./observation.js";
import type { SiteIndex } from "./site-index.js";

/** The channels each kind of device may publish on. */
const CHANNELS: Record<DeviceKind, readonly DeviceChannel[]> = {
  "rfid-portal": ["read", "hb"],
  scanner: ["scan", "hb"],
  shelf: ["weight", "hb"],
  temperature: ["temp", "hb"],
};

/** A refused device message: the reason, and the device when the topic named one. */
export interface DeviceRejection extends Rejection {
  deviceId?: string | undefined;
}

/**
 * Turns one MQTT message from a device into typed observations, or a
 * rejection with a reason for the dead-letter topic. Pure; never throws.
 */
export function decodeDeviceMessage(
  site: SiteIndex,
  topic: string,
  payload: Uint8Array,
): Result<Observation[], DeviceRejection> {
  const parsedTopic = parseDeviceTopic(topic);
  if (parsedTopic === undefined) return rejected(ErrorCode.TopicUnknown, `not a device topic: ${topic.slice(0, 200)}`);
  const { siteId, deviceId, channel } = parsedTopic;
  const refuse = (code: ErrorCode, reason: string): Result<never, DeviceRejection> => ({
    ok: false,
    error: { code, reason, deviceId },
  });
  if (siteId !== site.site.siteId) {
    return refuse(ErrorCode.TopicUnknown, `topic is for site ${siteId}; this edge serves ${site.site.siteId}`);
  }
  const device = site.device(deviceId);
  if (device === undefined) return refuse(ErrorCode.DeviceUnknown, `no device ${deviceId} in the site file`);
  if (!CHANNELS[device.kind].includes(channel)) {
    return refuse(ErrorCode.DeviceChannel, `a ${device.kind} does not publish on '${channel}'`);
  }
  const parsed = parseDeviceMessage(channel, payload);
  if (!parsed.ok) return refuse(parsed.error.code, parsed.error.reason);
  const msg = parsed.value;
  switch (msg.channel) {
    case "read":
      return ok(
        msg.message.reads.map((r, i) => ({
          type: "tag-read" as const,
          id: `${deviceId}/${r.readAt}/${i}`,
          deviceId,
          epc: r.epc.toUpperCase(),
          antenna: r.antenna,
          rssi: r.rssi,
          at: r.readAt,
        })),
      );
    case "scan": {
      const m = msg.message;
      const location = m.location ?? ("location" in device ? device.location : undefined);
      if (location === undefined || !site.hasLocation(location)) {
        return refuse(ErrorCode.MessageSchema, `scan location ${String(location)} is not in the site file`);
      }
      if (m.action === "PUTAWAY" && (m.fromLocation === undefined || !site.hasLocation(m.fromLocation))) {
        return refuse(ErrorCode.MessageSchema, "a PUTAWAY scan needs a fromLocation that is in the site file");
      }
      return ok([
        {
          type: "scan",
          id: `${deviceId}/${m.scannedAt}`,
          deviceId,
          gtin: m.gtin,
          qty: m.qty,
          action: m.action,
          location,
          fromLocation: m.fromLocation,
          lot: m.lot,
          at: m.scannedAt,
        },
      ]);
    }
    case "weight": {
      const m = msg.message;
      if (device.kind !== "shelf" || !device.bins.some((b) => b.location === m.location)) {
        return refuse(ErrorCode.MessageSchema, `${m.location.slice(0, 200)} is not a bin of shelf ${deviceId}`);
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
      if (device.kind !== "temperature") return refuse(ErrorCode.DeviceChannel, "not a temperature sensor");
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
    case "hb":
      return ok([{ type: "heartbeat", id: `${deviceId}/${msg.message.sentAt}`, deviceId, at: msg.message.sentAt }]);
  }
}
