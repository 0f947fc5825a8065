/**
 * A device's MQTT connection came up or went down, as the device broker saw
 * it. `connection` tells one connection from another, so that a device with
 * two (a reconnect racing the old socket's close) is down only when both are.
 */
export interface DeviceLink {
  deviceId: string;
  connection: string;
  state: "connected" | "disconnected";
}
