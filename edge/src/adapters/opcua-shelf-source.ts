import type { ShelfDevice } from "@tally/protocols";
import {
  AttributeIds,
  ClientMonitoredItem,
  type ClientSession,
  ClientSubscription,
  type DataValue,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
} from "node-opcua";
import type { Logger } from "pino";
import { Subject } from "rxjs";
import type { WeightObservation } from "../domain/observation.js";

export interface OpcuaShelfSource {
  shelfId: string;
  weights$: Subject<WeightObservation>;
  /** Resolves when every bin of the shelf is monitored. */
  ready: Promise<void>;
  /** Values refused (bad status code, not a finite number), per shelf. */
  rejected: () => number;
  close(): Promise<void>;
}

/**
 * Subscribes to the weight variable of each bin of an OPC-UA smart shelf.
 * A value with a bad status code or that is not a finite number is refused
 * and counted, never passed on: node-opcua reports such problems as data.
 * The client reconnects on its own and its subscription is re-established.
 */
export function connectOpcuaShelf(
  shelf: ShelfDevice,
  options: { logger: Logger; samplingMs?: number },
): OpcuaShelfSource {
  const logger = options.logger.child({ shelf: shelf.id });
  const weights$ = new Subject<WeightObservation>();
  const endpointUrl = shelf.endpointUrl ?? "";
  let rejected = 0;
  let session: ClientSession | undefined;
  let closed = false;
  const client = OPCUAClient.create({
    applicationName: "tally-edge",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    keepSessionAlive: true,
    connectionStrategy: { maxRetry: 1_000_000, initialDelay: 250, maxDelay: 5000 },
  });
  client.on("backoff", (retry, delay) => logger.debug({ retry, delay }, "OPC-UA shelf not reachable yet"));
  client.on("connection_lost", () => logger.warn("OPC-UA shelf connection lost"));
  client.on("connection_reestablished", () => logger.info("OPC-UA shelf connection re-established"));

  const monitor = async () => {
    await client.connect(endpointUrl);
    session = await client.createSession();
    const subscription = ClientSubscription.create(session, {
      requestedPublishingInterval: options.samplingMs ?? 100,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
      priority: 10,
    });
    await Promise.all(
      shelf.bins.map(async (bin) => {
        const item = await ClientMonitoredItem.create(
          subscription,
          { nodeId: bin.nodeId ?? "", attributeId: AttributeIds.Value },
          { samplingInterval: options.samplingMs ?? 100, discardOldest: true, queueSize: 100 },
          TimestampsToReturn.Both,
        );
        let seq = 0;
        item.on("changed", (value: DataValue) => {
          const grams: unknown = value.value.value;
          if (!value.statusCode.isGood() || typeof grams !== "number" || !Number.isFinite(grams)) {
            rejected++;
            logger.warn({ nodeId: bin.nodeId, status: value.statusCode.name }, "OPC-UA weight refused");
            return;
          }
          const at = (value.sourceTimestamp ?? value.serverTimestamp ?? new Date()).toISOString();
          weights$.next({
            type: "weight",
            id: `${shelf.id}/${bin.location}/${seq++}`,
            deviceId: shelf.id,
            location: bin.location,
            grams,
            at,
          });
        });
      }),
    );
    logger.info({ endpointUrl, bins: shelf.bins.length }, "monitoring OPC-UA shelf");
  };
  const ready = monitor().catch((error: unknown) => {
    if (!closed) logger.error({ err: (error as Error).message }, "OPC-UA shelf monitoring failed");
    throw error;
  });
  ready.catch(() => undefined);

  return {
    shelfId: shelf.id,
    weights$,
    ready,
    rejected: () => rejected,
    close: async () => {
      closed = true;
      weights$.complete();
      try {
        await session?.close(true);
      } catch {
        // The server may already be gone; disconnecting is what matters.
      }
      await client.disconnect();
    },
  };
}
