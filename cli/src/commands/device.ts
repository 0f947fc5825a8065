import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { printJson } from "../stdout.js";

const DEVICE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function registerDevice(program: Command, logger: Logger): void {
  const device = program.command("device").description("device credentials and broker rules");
  device
    .command("credential")
    .description(
      "make a random MQTT password for a device; print it once with its hash as one JSON line, and put the hash in --file",
    )
    .argument("<deviceId>", "the device id (its MQTT username), as in the site file")
    .option("--file <credentials file>", "add or replace the device's entry in this credentials file (YAML or JSON)")
    .action(async (deviceId: string, opts: { file?: string }) => {
      if (!DEVICE_ID.test(deviceId)) {
        throw new CliError("TALLY_ERR_USAGE", `not a device id: ${JSON.stringify(deviceId)} (letters, digits, _ . -)`);
      }
      const { hashPassword, newDevicePassword, putDeviceCredential } = await import("@tally/edge/security");
      const password = newDevicePassword();
      const hash = await hashPassword(password);
      if (opts.file !== undefined) {
        await putDeviceCredential(opts.file, deviceId, hash);
        logger.info({ deviceId, file: opts.file }, "device credential written");
      }
      printJson({ deviceId, password, hash, ...(opts.file !== undefined ? { file: opts.file } : {}) });
    });
  device
    .command("mosquitto-acl")
    .description("print a Mosquitto acl_file with the device rules of a site file (for an external device broker)")
    .requiredOption("--site <file>", "site layout file")
    .option("--edge-user <name>", "the edge's username on the broker (TALLY_EDGE_MQTT_USERNAME)", "tally-edge")
    .action(async (opts: { site: string; edgeUser: string }) => {
      if (!DEVICE_ID.test(opts.edgeUser)) {
        throw new CliError("TALLY_ERR_USAGE", `--edge-user must be letters, digits, _ . - (got ${opts.edgeUser})`);
      }
      const [{ mosquittoAcl }, { parseSiteLayoutText }, { readFile }] = await Promise.all([
        import("@tally/edge/security"),
        import("@tally/protocols"),
        import("node:fs/promises"),
      ]);
      const site = parseSiteLayoutText(await readFile(opts.site, "utf8"));
      if (!site.ok) throw new CliError(site.error.code, site.error.reason);
      process.stdout.write(mosquittoAcl(site.value, opts.edgeUser));
    });
}
