import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";

/** The edge's OPC-UA client PKI: node-opcua's layout (own/, trusted/, rejected/, issuers/) in one folder. */
export interface OpcuaClientPki {
  dir: string;
  /** The URI in the edge's certificate; the client must announce the same one. */
  applicationUri: string;
  applicationName: string;
  certificateFile: string;
  privateKeyFile: string;
  /**
   * Development mode: a server certificate the edge does not know is trusted
   * on first use (moved to trusted/) instead of refused.
   */
  trustOnFirstUse: boolean;
}

/**
 * Opens (creating at the first start) the edge's client PKI and its own
 * application certificate, made once and kept: servers trust it by its
 * thumbprint, so it must not change on every start.
 */
export async function prepareOpcuaClientPki(
  dir: string,
  options: { edgeId: string; trustOnFirstUse: boolean; logger: Logger },
): Promise<OpcuaClientPki> {
  const applicationName = `tally-edge-${options.edgeId}`;
  const applicationUri = `urn:tally:edge:${options.edgeId}`;
  // Loaded here, not at the module's top: importing the edge must not load node-opcua (decision 0189).
  const { OPCUACertificateManager } = await import("node-opcua");
  const manager = new OPCUACertificateManager({ rootFolder: dir, disableFileWatchers: true });
  try {
    // Creates the folders and the private key when they are missing.
    await manager.initialize();
    const certificateFile = join(manager.rootDir, "own", "certs", "client_certificate.pem");
    if (!existsSync(certificateFile)) {
      const started = performance.now();
      await manager.createSelfSignedCertificate({
        applicationUri,
        dns: [hostname()],
        outputFile: certificateFile,
        subject: { commonName: applicationName, organization: "Tally" },
        startDate: new Date(),
        // node-opcua's own default for application certificates; replace the file to renew it.
        validity: 365 * 10,
      });
      options.logger.info(
        { certificateFile, ms: Math.round(performance.now() - started) },
        "OPC-UA client certificate created; servers must trust it",
      );
    }
    return {
      dir: manager.rootDir,
      applicationUri,
      applicationName,
      certificateFile,
      privateKeyFile: manager.privateKey,
      trustOnFirstUse: options.trustOnFirstUse,
    };
  } finally {
    await manager.dispose();
  }
}
