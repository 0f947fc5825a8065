import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SiteLayout } from "@tally/protocols";
import { Aedes } from "aedes";
import { AttributeIds, type ClientSession, OPCUACertificateManager, OPCUAClient } from "node-opcua";
import { opcuaPkiFolder } from "./opcua-shelf.js";
import { loadSiteLayout } from "./site-file.js";

/** The demo site file's text. */
export const demoSiteText = readFileSync(
  fileURLToPath(new URL("../scenarios/demo-site.yaml", import.meta.url)),
  "utf8",
);

export const demoSite = (): SiteLayout => loadSiteLayout(demoSiteText);

/** A TCP port free right now (the OS picks it; we release it for the caller). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The demo site with its OPC-UA shelf moved to `port`. */
export function demoSiteOnPort(port: number): SiteLayout {
  return loadSiteLayout(demoSiteText.replace("opc.tcp://127.0.0.1:4840/", `opc.tcp://127.0.0.1:${port}/`));
}

/** An in-process aedes broker on a free port. */
export async function startBroker(): Promise<{ url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An anonymous OPC-UA session without security, its PKI beside the simulators'. */
export async function openOpcuaSession(
  endpointUrl: string,
): Promise<{ session: ClientSession; read(nodeId: string): Promise<unknown>; close(): Promise<void> }> {
  const client = OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(opcuaPkiFolder(), "ClientPKI"),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await client.connect(endpointUrl);
  const session = await client.createSession();
  return {
    session,
    async read(nodeId) {
      const value = await session.read({ nodeId, attributeId: AttributeIds.Value });
      if (!value.statusCode.isGood()) throw new Error(`${nodeId}: ${value.statusCode.toString()}`);
      return value.value.value;
    },
    async close() {
      await session.close();
      await client.disconnect();
    },
  };
}
