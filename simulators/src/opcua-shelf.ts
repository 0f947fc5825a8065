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
  StatusCode,
  StatusCodes,
  type UAVariable,
  Variant,
} from "node-opcua";
import type { Logger } from "pino";
import { SimulatorError, SimulatorErrorCode } from "./simulator-error.js";

/**
 * A smart shelf served over OPC-UA: one Double variable (grams) per bin,
 * at its node id, or in a folder when the shelf is browsed (thousands of
 * bins). It can be stopped and started again on the same port with the same
 * certificate, keeping its weights, for fault timelines.
 */
export interface OpcuaShelf {
  readonly deviceId: string;
  readonly endpointUrl: string;
  /**
   * Sets a bin's net weight, grams, with status Good; subscribers see the change at once. While the server
   * is stopped the weight is kept and served when it starts again (a change made during an outage).
   */
  setGrams(location: string, grams: number): void;
  grams(location: string): number | undefined;
  /** Gives a bin's value a status code by name (`BadSensorFailure`, `UncertainLastUsableValue`, `Good`), same weight. */
  setStatus(location: string, status: string): void;
  /** Stops the server (clients lose their sessions); weights are kept. */
  stop(): Promise<void>;
  /** Starts it again on the same endpoint, with the same certificate and the kept weights. */
  start(): Promise<void>;
  readonly running: boolean;
  /** The server's own application certificate, DER: what a client must trust. */
  certificate(): Buffer;
  /**
   * The server's client sessions now, each as the publishing intervals (ms) of its subscriptions: what a test
   * checks to see how many sessions and subscriptions a client opened. Empty while stopped.
   */
  sessions(): { subscriptionIntervalsMs: number[] }[];
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
  /** The server's OperationLimits MaxMonitoredItemsPerCall (default node-opcua's, 10,000): clients must chunk to it. */
  maxMonitoredItemsPerCall?: number;
}

/**
 * The browse name of a bin's variable in a browsed shelf's folder: the
 * shelf's `binPattern` with `{location}` or `{bin}` (the location's last
 * segment) filled in, as the edge looks it up.
 */
export function binBrowseName(pattern: string, location: string): string {
  return pattern.replace("{location}", location).replace("{bin}", location.slice(location.lastIndexOf("/") + 1));
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

/** Where each bin's variable goes: its own node id, or a browse name in the shelf's folder. */
type BinPlace = { location: string; sku: string } & ({ nodeId: NodeId } | { browseName: string });

function binPlaces(device: ShelfDevice): BinPlace[] {
  return device.bins.map((bin) => {
    if (bin.nodeId === undefined) {
      if (device.browse === undefined) {
        throw new SimulatorError(
          SimulatorErrorCode.StartFailed,
          `shelf ${device.id}: bin ${bin.location} has no nodeId`,
        );
      }
      return {
        location: bin.location,
        sku: bin.sku,
        browseName: binBrowseName(device.browse.binPattern, bin.location),
      };
    }
    let nodeId: NodeId;
    try {
      nodeId = resolveNodeId(bin.nodeId);
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
    return { location: bin.location, sku: bin.sku, nodeId };
  });
}

/** A bin's value as served: the weight and its status. */
interface BinValue {
  grams: number;
  status: StatusCode;
}

/** Starts an OPC-UA server for one shelf; resolves once it listens. Bins start at 0 g. */
export async function startOpcuaShelf(
  device: ShelfDevice,
  logger: Logger,
  options: OpcuaShelfServerOptions = {},
): Promise<OpcuaShelf> {
  const log = logger.child({ deviceId: device.id });
  const endpoint = parseEndpoint(device);
  const places = binPlaces(device);
  const folderNodeId = (() => {
    if (device.browse === undefined) return undefined;
    try {
      return resolveNodeId(device.browse.folderNodeId);
    } catch (cause) {
      throw new SimulatorError(
        SimulatorErrorCode.StartFailed,
        `shelf ${device.id}: bad folderNodeId ${device.browse.folderNodeId}`,
        { cause },
      );
    }
  })();
  const pki = opcuaPkiFolder();
  mkdirSync(pki, { recursive: true });
  const users = new Map(Object.entries(options.users ?? {}));
  const values = new Map<string, BinValue>(places.map((p) => [p.location, { grams: 0, status: StatusCodes.Good }]));
  const variables = new Map<string, UAVariable>();
  let server: OPCUAServer | undefined;

  const serve = async (): Promise<OPCUAServer> => {
    const started = performance.now();
    const next = new OPCUAServer({
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
      ...(options.maxMonitoredItemsPerCall !== undefined
        ? { serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: options.maxMonitoredItemsPerCall } } }
        : {}),
      // The same PKI folder at every start: a restarted shelf has the certificate its clients already trust.
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
    try {
      await next.initialize();
      const addressSpace = next.engine.addressSpace;
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
      const folder =
        folderNodeId === undefined
          ? undefined
          : namespaceAt(folderNodeId.namespace).addObject({
              componentOf: shelf,
              nodeId: folderNodeId,
              browseName: "Bins",
              typeDefinition: "FolderType",
            });
      variables.clear();
      for (const place of places) {
        const value = values.get(place.location) ?? { grams: 0, status: StatusCodes.Good };
        const description = `Net weight on bin ${place.location} (${place.sku}), grams`;
        // 0: report every change as it happens rather than sampling.
        const common = { description, dataType: DataType.Double, minimumSamplingInterval: 0 } as const;
        const variable =
          "nodeId" in place
            ? namespaceAt(place.nodeId.namespace).addVariable({
                ...common,
                componentOf: shelf,
                nodeId: place.nodeId,
                browseName: place.location,
              })
            : own.addVariable({ ...common, organizedBy: folder ?? shelf, browseName: place.browseName });
        variable.setValueFromSource(new Variant({ dataType: DataType.Double, value: value.grams }), value.status);
        variables.set(place.location, variable);
      }
      await next.start();
    } catch (cause) {
      await next.shutdown(0).catch(() => undefined);
      throw new SimulatorError(
        SimulatorErrorCode.StartFailed,
        `shelf ${device.id}: OPC-UA server did not start on ${device.endpointUrl}: ${(cause as Error).message}`,
        { cause },
      );
    }
    log.info(
      { endpointUrl, bins: places.length, startupMs: Math.round(performance.now() - started) },
      "OPC-UA shelf listening",
    );
    return next;
  };
  const endpointUrl = `opc.tcp://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${endpoint.resourcePath}`;
  server = await serve();
  let certificate = server.getCertificate();

  const publish = (location: string, value: BinValue) => {
    values.set(location, value);
    // Written to the variable even while the server starts: one made before this change must not serve an old value.
    // While stopped, the variables are the dead server's: harmless, and the next start reads `values`.
    variables
      .get(location)
      ?.setValueFromSource(new Variant({ dataType: DataType.Double, value: value.grams }), value.status, new Date());
  };
  const known = (location: string): BinValue => {
    const value = values.get(location);
    if (value === undefined) throw new Error(`shelf ${device.id} has no bin at ${location}`);
    return value;
  };

  const stop = async () => {
    const stopping = server;
    server = undefined;
    await stopping?.shutdown(0);
  };

  return {
    deviceId: device.id,
    endpointUrl,
    setGrams(location, grams) {
      known(location);
      publish(location, { grams, status: StatusCodes.Good });
    },
    grams: (location) => values.get(location)?.grams,
    setStatus(location, status) {
      const code: unknown = Object.entries(StatusCodes).find(([name]) => name === status)?.[1];
      if (!(code instanceof StatusCode)) throw new Error(`${status} is not an OPC-UA status code name`);
      publish(location, { grams: known(location).grams, status: code });
    },
    get running() {
      return server !== undefined;
    },
    stop,
    async start() {
      if (server !== undefined) return;
      server = await serve();
      certificate = server.getCertificate();
    },
    certificate: () => certificate,
    sessions: () =>
      (server?.engine.getSessions() ?? []).map((session) => ({
        subscriptionIntervalsMs: session.publishEngine.subscriptions.map((sub) => sub.publishingInterval),
      })),
    setUser(userName, password) {
      users.set(userName, password);
    },
    close: stop,
  };
}
