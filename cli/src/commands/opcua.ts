import type { Command } from "commander";
import type { Logger } from "pino";
import { CliError } from "../cli-error.js";
import { printJson } from "../stdout.js";

/** The PKI folder: `--pki`, else the edge's (TALLY_OPCUA_PKI_DIR, else `<TALLY_DATA_DIR>/edge/<TALLY_EDGE_ID>/pki`). */
async function pkiDirOf(pki: string | undefined): Promise<string> {
  if (pki !== undefined) return pki;
  const { loadEdgeConfig } = await import("@tally/edge");
  return loadEdgeConfig(process.env).opcuaPkiDir;
}

/** An edge PKI error becomes the CLI's refusal: its code and reason, exit status 1. */
async function refusing<T>(action: () => Promise<T>): Promise<T> {
  const { OpcuaPkiError } = await import("@tally/edge");
  try {
    return await action();
  } catch (error) {
    if (error instanceof OpcuaPkiError) throw new CliError(error.code, error.message);
    throw error;
  }
}

export function registerOpcua(program: Command, logger: Logger): void {
  const opcua = program
    .command("opcua")
    .description("the edge's OPC-UA client certificates: list trusted and rejected server certificates, trust one");
  opcua
    .command("certs")
    .description("list the trusted and rejected certificates, one JSON line each (thumbprint, subject, validity, file)")
    .option("--pki <dir>", "the PKI folder (default: the edge's, from TALLY_OPCUA_PKI_DIR or TALLY_DATA_DIR)")
    .action(async (opts: { pki?: string }) => {
      const dir = await pkiDirOf(opts.pki);
      const { listOpcuaCertificates } = await import("@tally/edge");
      const entries = await refusing(() => listOpcuaCertificates(dir));
      for (const entry of entries) printJson(entry);
      logger.info({ pki: dir, certificates: entries.length }, "OPC-UA certificates listed");
    });
  opcua
    .command("trust")
    .description(
      "move a rejected certificate to trusted (by thumbprint), or trust a certificate file; a running edge uses it at its next attempt",
    )
    .argument("<file-or-thumbprint>", "a certificate file (PEM or DER), or the thumbprint `tally opcua certs` shows")
    .option("--pki <dir>", "the PKI folder (default: the edge's, from TALLY_OPCUA_PKI_DIR or TALLY_DATA_DIR)")
    .action(async (what: string, opts: { pki?: string }) => {
      const dir = await pkiDirOf(opts.pki);
      const { trustOpcuaCertificate } = await import("@tally/edge");
      const entry = await refusing(() => trustOpcuaCertificate(dir, what));
      printJson({ event: "trusted", ...entry });
      logger.info({ pki: dir, thumbprint: entry.thumbprint, subject: entry.subject }, "OPC-UA certificate trusted");
    });
}
