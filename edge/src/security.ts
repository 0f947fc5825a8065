/**
 * The device credential tools without the rest of the edge (no OPC-UA, no
 * SQLite loaded): what `tally device` needs.
 */
export {
  DeviceCredentialsError,
  putDeviceCredential,
  readDeviceCredentialsFile,
} from "./adapters/security/device-credentials-file.js";
export { hashPassword, newDevicePassword, verifyPassword } from "./adapters/security/scrypt-password.js";
export { mosquittoAcl } from "./domain/mosquitto-acl.js";
