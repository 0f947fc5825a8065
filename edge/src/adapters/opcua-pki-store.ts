import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode } from "@tally/protocols";

/** One certificate of the edge's OPC-UA client PKI, as `tally opcua certs` lists it. */
export interface OpcuaCertificateEntry {
  status: "trusted" | "rejected";
  /** SHA-1 of the DER, lower-case hex: what OPC-UA calls the thumbprint. */
  thumbprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  file: string;
}

/** A PKI or certificate problem for the CLI: a code from the catalogue and a reason. */
export class OpcuaPkiError extends Error {
  override readonly name = "OpcuaPkiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// node-opcua's PKI layout (node-opcua-pki CertificateManager): trusted/certs and rejected/.
const folders = (dir: string) => ({ trusted: join(dir, "trusted", "certs"), rejected: join(dir, "rejected") });

function describe(der: X509Certificate, status: OpcuaCertificateEntry["status"], file: string): OpcuaCertificateEntry {
  return {
    status,
    thumbprint: der.fingerprint.replaceAll(":", "").toLowerCase(),
    subject: der.subject.replaceAll("\n", ", "),
    notBefore: new Date(der.validFrom).toISOString(),
    notAfter: new Date(der.validTo).toISOString(),
    file,
  };
}

/** Lists the trusted and rejected certificates of a PKI folder, trusted first. */
export async function listOpcuaCertificates(dir: string): Promise<OpcuaCertificateEntry[]> {
  if (!existsSync(dir)) {
    throw new OpcuaPkiError(ErrorCode.NotFound, `no OPC-UA PKI at ${dir}: the edge creates it when it starts`);
  }
  const entries: OpcuaCertificateEntry[] = [];
  for (const [status, folder] of Object.entries(folders(dir)) as [OpcuaCertificateEntry["status"], string][]) {
    const names = existsSync(folder) ? (await readdir(folder)).sort() : [];
    for (const name of names) {
      if (!/\.(pem|der|crt|cer)$/i.test(name)) continue;
      const file = join(folder, name);
      try {
        entries.push(describe(new X509Certificate(await readFile(file)), status, file));
      } catch {
        // Not a certificate (a stray file): not something to trust or list.
      }
    }
  }
  return entries;
}

const THUMBPRINT = /^[0-9a-f]{40}$/;

/**
 * Trusts a certificate in a PKI folder with node-opcua's certificate manager,
 * which moves it from rejected/ to trusted/certs (or adds it there when it
 * comes from a file). `what` is a certificate file (PEM or DER) or the
 * thumbprint of a rejected certificate (colons and case ignored).
 * A running edge picks it up at its next connection attempt.
 */
export async function trustOpcuaCertificate(dir: string, what: string): Promise<OpcuaCertificateEntry> {
  const listed = await listOpcuaCertificates(dir);
  let certificate: X509Certificate;
  const thumbprint = what.replaceAll(":", "").toLowerCase();
  if (THUMBPRINT.test(thumbprint) && !existsSync(what)) {
    const found = listed.find((e) => e.thumbprint === thumbprint);
    if (found === undefined) {
      throw new OpcuaPkiError(
        ErrorCode.OpcuaCertificateUnknown,
        `no certificate with thumbprint ${thumbprint} in ${dir}: npx tally opcua certs lists them`,
      );
    }
    if (found.status === "trusted") return found;
    certificate = new X509Certificate(await readFile(found.file));
  } else {
    let bytes: Buffer;
    try {
      bytes = await readFile(what);
    } catch {
      throw new OpcuaPkiError(
        ErrorCode.OpcuaCertificateUnknown,
        `${what} is neither a certificate file nor the thumbprint (40 hex digits) of a rejected certificate`,
      );
    }
    try {
      certificate = new X509Certificate(bytes);
    } catch {
      throw new OpcuaPkiError(ErrorCode.UsageInvalid, `${what} is not a PEM or DER certificate`);
    }
  }
  // Loaded here, not at the module's top: importing the edge must not load node-opcua (decision 0189).
  const { OPCUACertificateManager } = await import("node-opcua");
  const manager = new OPCUACertificateManager({ rootFolder: dir, disableFileWatchers: true });
  try {
    await manager.initialize();
    await manager.trustCertificate(certificate.raw);
  } finally {
    await manager.dispose();
  }
  const entry = (await listOpcuaCertificates(dir)).find(
    (e) => e.status === "trusted" && e.thumbprint === certificate.fingerprint.replaceAll(":", "").toLowerCase(),
  );
  if (entry === undefined)
    throw new OpcuaPkiError(ErrorCode.Internal, `the certificate was not moved to ${dir}/trusted`);
  return entry;
}

/**
 * Removes from rejected/ every certificate that is also in trusted/certs and
 * returns what it removed. node-opcua's certificate manager counts a
 * certificate found in both folders as rejected, and writes a certificate it
 * has not seen into rejected/ while it verifies a server. An edge attempt
 * that read the folders while the operator's trust moved the file (between
 * its look into trusted/ and its look into rejected/) saw neither and wrote
 * the file back into rejected/: from then on the trust would never count.
 * Only an explicit trust (the CLI, by hand, or trust-on-first-use in
 * development) puts a certificate into trusted/, so the copy in rejected/ is
 * the stale one; to stop trusting a certificate, take it out of trusted/.
 */
export async function dropRejectedCopiesOfTrusted(dir: string): Promise<OpcuaCertificateEntry[]> {
  if (!existsSync(dir)) return [];
  const listed = await listOpcuaCertificates(dir);
  const trusted = new Set(listed.filter((e) => e.status === "trusted").map((e) => e.thumbprint));
  const removed: OpcuaCertificateEntry[] = [];
  for (const entry of listed) {
    if (entry.status !== "rejected" || !trusted.has(entry.thumbprint)) continue;
    try {
      await unlink(entry.file);
      removed.push(entry);
    } catch (error) {
      // Gone already (another attempt or the operator): nothing left to do.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return removed;
}
