import { readFile } from "node:fs/promises";
import { type DeviceCredentialsFile, ErrorCode, parseDeviceCredentialsText } from "@tally/protocols";

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
