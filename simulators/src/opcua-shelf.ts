import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpcuaSecurityMode, OpcuaSecurityPolicy, ShelfDevice } from "@tally/protocols";
import {
  DataType,
  type INamespace,
  MessageSecurityMode,
  type NodeId,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  resolveNodeId,
  SecurityPolicy,
  StatusCodes,
  type UAVariable,
  Variant,
} from "node-opcua";
import type { Logger } from "pino";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/** A smart shelf served over OPC-UA: one Double variable (grams) per bin. */
export interface OpcuaShelf {
  readonly deviceId: string;
  readonly endpointUrl: string;
  /** Sets a bin's net weight, grams; subscribers see the change at once. */
  setGrams(location: string, grams: number): void;
  grams(location: string): number | undefined;
  /** The server's own application certificate, DER: what a client must trust. */
  certificate(): Buffer;
  /** Adds or changes a user of the user name/password manager (`users` option); takes effect at the next session. */
  setUser(userName: string, password: string): void;
  close(): Promise<void>;
}

/**
 * How a simulated shelf's server is secured. The defaults are the bench
 * defaults (decision 0005): None only, anonymous, a shared PKI under the
 * temp dir, every client certificate accepted.
 */
export interface OpcuaShelfServerOptions {
  /** Endpoints offered: every mode × policy pair that makes sense (None only with None). Default: None/None. */
  modes?: OpcuaSecurityMode[];
  policies?: OpcuaSecurityPolicy[];
  /** User name → password; with it the server accepts user names it knows. */
  users?: Record<string, string>;
  /** Default: true without `users`, false with. */
  allowAnonymous?: boolean;
  /** The server's PKI folder (own/, trusted/, rejected/): default the shared bench PKI's `PKI` folder. */
  pkiDir?: string;
  /** Trust any client certificate (default true); false: only those in `<pkiDir>/trusted`, others go to rejected/. */
  trustUnknownClients?: boolean;
}

/**
 * Where the simulators keep their OPC-UA PKI: one folder per user under the
 * OS temp dir, reused across runs so the RSA key pair is generated once (see
 * docs/decisions/0005-opcua-shelf-simulator.md).
 */
export function opcuaPkiFolder(): string {
  const user = process.getuid?.() ?? "user";
  return join(tmpdir(), `tally-sim-opcua-pki-${user}`);
}

/** OPC-UA's registered default port (IEC 62541-6 §7.2). */
const OPCUA_DEFAULT_PORT = 4840;

interface Endpoint {
  host: string;
  port: number;
  resourcePath: string;
}

function parseEndpoint(device: ShelfDevice): Endpoint {
  const fail = (why: string): SimulatorError =>
    new SimulatorError(SimulatorErrorCode.StartFailed, `shelf ${device.id}: endpointUrl ${why}`);
  if (device.endpointUrl === undefined) throw fail("is missing");
  let url: URL;
  try {
    url = new URL(device.endpointUrl);
  } catch {
    throw fail(`${device.endpointUrl} is not a URL`);
  }
  if (url.protocol !== "opc.tcp:") throw fail(`${device.endpointUrl} is not opc.tcp://`);
  const port = url.port === "" ? OPCUA_DEFAULT_PORT : Number(url.port);
  // Port 0 would listen somewhere nobody knows: the site file must name the port the edge connects to.
  if (port === 0) throw fail(`${device.endpointUrl}: port 0 is not allowed; give a real port`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port, resourcePath: url.pathname === "/" ? "" : url.pathname };
}

/** Starts an OPC-UA server for one shelf; resolves once it listens. Bins start at 0 g. */
export async function startOpcuaShelf(
  device: ShelfDevice,
  logger: Logger,
  options: OpcuaShelfServerOptions = {},
): Promise<OpcuaShelf> {
  const log = logger.child({ deviceId: device.id });
  const endpoint = parseEndpoint(device);
  const nodeIds = device.bins.map((bin) => {
    let nodeId: NodeId;
    try {
      nodeId = resolveNodeId(bin.nodeId ?? "");
    } catch (cause) {
      throw new SimulatorError(SimulatorErrorCode.StartFailed, `shelf ${device.id}: bad nodeId ${bin.nodeId}`, {
        cause,
      });
    }
    if (nodeId.namespace === 0) {
      throw new SimulatorError(
        SimulatorErrorCode.StartFailed,
        `shelf ${device.id}: nodeId ${bin.nodeId} is in namespace 0, which belongs to the OPC-UA standard`,
      );
    }
    return { bin, nodeId };
  });

  const started = performance.now();
  const pki = opcuaPkiFolder();
  mkdirSync(pki, { recursive: true });
  const users = new Map(Object.entries(options.users ?? {}));
  const server = new OPCUAServer({
    host: endpoint.host,
    hostname: endpoint.host,
    port: endpoint.port,
    resourcePath: endpoint.resourcePath,
    // By default a simulator on a test bench: plain TCP, anonymous. Never announced to any discovery server.
    securityPolicies: (options.policies ?? ["None"]).map((p) => SecurityPolicy[p]),
    securityModes: (options.modes ?? ["None"]).map((m) => MessageSecurityMode[m]),
    allowAnonymous: options.allowAnonymous ?? options.users === undefined,
    ...(options.users !== undefined
      ? { userManager: { isValidUser: (userName: string, password: string) => users.get(userName) === password } }
      : {}),
    // A secure-only server still answers GetEndpoints on a restricted None channel, as clients must fetch its
    // certificate first (IEC 62541-4 §5.4.4); node-opcua drops that endpoint when discovery is disabled.
    disableDiscovery: (options.modes ?? ["None"]).includes("None"),
    registerServerMethod: RegisterServerMethod.HIDDEN,
    isAuditing: false,
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: options.pkiDir ?? join(pki, "PKI"),
      automaticallyAcceptUnknownCertificate: options.trustUnknownClients ?? true,
    }),
    userCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pki, "UserPKI"),
      automaticallyAcceptUnknownCertificate: true,
    }),
    serverInfo: {
      applicationUri: `urn:tally:simulators:shelf:${device.id}`,
      productUri: "urn:tally:simulators",
      applicationName: { text: `Tally simulated shelf ${device.id}`, locale: "en" },
    },
    buildInfo: { productName: "Tally shelf simulator", manufacturerName: "Tally" },
  });

  const variables = new Map<string, UAVariable>();
  const weights = new Map<string, number>();
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (addressSpace === null) throw new Error("address space not created");
    // The server's own namespace is registered first, so it is index 1; higher indexes get namespaces of their own.
    const own = addressSpace.getOwnNamespace();
    if (own.index !== 1) throw new Error(`own namespace has index ${own.index}, expected 1`);
    const namespaceAt = (index: number): INamespace => {
      while (addressSpace.getNamespaceArray().length <= index) {
        addressSpace.registerNamespace(
          `urn:tally:simulators:shelf:${device.id}:ns${addressSpace.getNamespaceArray().length}`,
        );
      }
      return addressSpace.getNamespace(index);
    };
    const shelf = own.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: device.id });
    for (const { bin, nodeId } of nodeIds) {
      const variable = namespaceAt(nodeId.namespace).addVariable({
        componentOf: shelf,
        nodeId,
        browseName: bin.location,
        description: `Net weight on bin ${bin.location} (${bin.sku}), grams`,
        dataType: DataType.Double,
        // 0: report every change as it happens rather than sampling.
        minimumSamplingInterval: 0,
      });
      variable.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.Good);
      variables.set(bin.location, variable);
      weights.set(bin.location, 0);
    }
    await server.start();
  } catch (cause) {
    await server.shutdown(0).catch(() => undefined);
    throw new SimulatorError(
      SimulatorErrorCode.StartFailed,
      `shelf ${device.id}: OPC-UA server did not start on ${device.endpointUrl}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const endpointUrl = `opc.tcp://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${endpoint.resourcePath}`;
  log.info({ endpointUrl, startupMs: Math.round(performance.now() - started) }, "OPC-UA shelf listening");

  return {
    deviceId: device.id,
    endpointUrl,
    setGrams(location, grams) {
      const variable = variables.get(location);
      if (variable === undefined) throw new Error(`shelf ${device.id} has no bin at ${location}`);
      variable.setValueFromSource(
        new Variant({ dataType: DataType.Double, value: grams }),
        StatusCodes.Good,
        new Date(),
      );
      weights.set(location, grams);
    },
    grams: (location) => weights.get(location),
    certificate: () => server.getCertificate(),
    setUser(userName, password) {
      users.set(userName, password);
    },
    async close() {
      await server.shutdown(0);
    },
  };
}
