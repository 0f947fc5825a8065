import type { DeviceKind } from "../site-layout.js";
import type { DeviceChannel } from "../topics.js";

/**
 * The channels each kind of device publishes on (`hb` for all): what the
 * edge decodes, and what a device's credentials allow it to publish.
 */
export const DEVICE_KIND_CHANNELS: Readonly<Record<DeviceKind, readonly DeviceChannel[]>> = {
  "rfid-portal": ["read", "hb"],
  scanner: ["scan", "hb"],
  shelf: ["weight", "hb"],
  temperature: ["temp", "hb"],
};
