import { parseDeviceTopic } from "@tally/protocols";
import type { DeviceIdentity } from "../domain/device-acl.js";
import type { DeviceLink } from "../domain/device-link.js";

/**
 * Which devices each broker connection speaks for, so that its coming and
 * going become DeviceLink reports. An authenticated client is its device
 * from the moment it is ready (the identity comes from its credentials); an
 * anonymous one (development mode, on the loopback only) speaks for the
 * devices of the topics it has published on, from its first publish. Keyed
 * by the connection object and emptied when it goes: bounded by the open
 * connections.
 */
export class DeviceLinkTracker {
  private readonly devices = new WeakMap<object, Set<string>>();
  private readonly names = new WeakMap<object, string>();
  private next = 0;

  constructor(private readonly onLink: (link: DeviceLink) => void) {}

  /** A client is connected and authenticated. */
  ready(client: object, identity: DeviceIdentity | undefined): void {
    if (identity?.kind === "device") this.speaksFor(client, identity.deviceId);
  }

  /** A client's publish was allowed. */
  published(client: object, identity: DeviceIdentity | undefined, topic: string): void {
    if (identity?.kind === "device") return;
    const parsed = parseDeviceTopic(topic);
    if (parsed !== undefined) this.speaksFor(client, parsed.deviceId);
  }

  /** A client's connection is gone: a DISCONNECT, an expired keepalive, a lost or refused socket. */
  gone(client: object): void {
    const devices = this.devices.get(client);
    if (devices === undefined) return;
    this.devices.delete(client);
    const connection = this.name(client);
    for (const deviceId of devices) this.onLink({ deviceId, connection, state: "disconnected" });
  }

  private speaksFor(client: object, deviceId: string): void {
    let devices = this.devices.get(client);
    if (devices === undefined) {
      devices = new Set();
      this.devices.set(client, devices);
    }
    if (devices.has(deviceId)) return;
    devices.add(deviceId);
    this.onLink({ deviceId, connection: this.name(client), state: "connected" });
  }

  /** Client ids are reused across reconnects and takeovers; each connection gets its own name. */
  private name(client: object): string {
    let name = this.names.get(client);
    if (name === undefined) {
      name = `connection-${++this.next}`;
      this.names.set(client, name);
    }
    return name;
  }
}
