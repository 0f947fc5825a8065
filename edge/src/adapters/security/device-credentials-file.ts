import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type DeviceCredentialsFile, ErrorCode, parseDeviceCredentialsText } from "@tally/protocols";
import { stringify as stringifyYaml } from "yaml";

/** A credentials file that cannot be read or is not valid; `code` is from the protocols catalogue. */
export class DeviceCredentialsError extends Error {
  override name = "DeviceCredentialsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads and validates a device credentials file (YAML or JSON). */
export async function readDeviceCredentialsFile(path: string): Promise<DeviceCredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new DeviceCredentialsError(
      ErrorCode.DeviceCredentialsInvalid,
      `cannot read the device credentials file ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const parsed = parseDeviceCredentialsText(text);
  if (!parsed.ok) throw new DeviceCredentialsError(parsed.error.code, `${path}: ${parsed.error.reason}`);
  return parsed.value;
}

/**
 * Adds or replaces one device's hash in a credentials file, creating it when
 * missing: JSON when the name ends in `.json`, else YAML. Written to a
 * temporary file and renamed, owner-readable only, so that a crash leaves
 * the old file or the new one, never half of one.
 */
export async function putDeviceCredential(path: string, deviceId: string, hash: string): Promise<void> {
  let current: DeviceCredentialsFile = { devices: {} };
  try {
    await stat(path);
    current = await readDeviceCredentialsFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const next: DeviceCredentialsFile = { devices: { ...current.devices, [deviceId]: hash } };
  const text = path.endsWith(".json") ? `${JSON.stringify(next, null, 2)}\n` : stringifyYaml(next);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
}
