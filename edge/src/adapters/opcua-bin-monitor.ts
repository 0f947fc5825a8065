import type { ShelfDevice } from "@tally/protocols";
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  NodeClassMask,
  TimestampsToReturn,
  VariableIds,
} from "node-opcua";
import { type BrowsedNode, binNodes } from "../domain/browse-bin-names.js";
import { FALLBACK_ITEMS_PER_CALL, shelfSampling } from "./opcua-sampling.js";

/** The browse results asked for (IEC 62541-4 §5.8.2 resultMask bits): NodeClass 4 and BrowseName 8. */
const RESULT_NODE_CLASS_AND_BROWSE_NAME = 4 | 8;

/** Bounds what a server can make the edge hold while browsing: far above any shelf's bins. */
const MAX_BROWSED = 200_000;

/** The variables under a folder, following continuation points (IEC 62541-4 §5.8.3 BrowseNext). */
async function browseFolder(session: ClientSession, folderNodeId: string): Promise<BrowsedNode[]> {
  const found: BrowsedNode[] = [];
  let result = await session.browse({
    nodeId: folderNodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: "HierarchicalReferences",
    includeSubtypes: true,
    nodeClassMask: NodeClassMask.Variable,
    resultMask: RESULT_NODE_CLASS_AND_BROWSE_NAME,
  });
  for (;;) {
    if (!result.statusCode.isGood()) {
      throw new Error(`browse folder ${folderNodeId} refused: ${result.statusCode.name}`);
    }
    for (const ref of result.references ?? []) {
      found.push({ browseName: ref.browseName.name ?? "", nodeId: ref.nodeId.toString() });
    }
    const next = result.continuationPoint;
    if (next === undefined || next === null || next.length === 0) return found;
    if (found.length > MAX_BROWSED) {
      await session.browseNext(next, true).catch(() => undefined);
      throw new Error(`browse folder ${folderNodeId}: more than ${MAX_BROWSED} variables; give the bins' node ids`);
    }
    result = await session.browseNext(next, false);
  }
}

/** The server's MaxMonitoredItemsPerCall (IEC 62541-5 §6.3.11 OperationLimits), or the fallback. */
export async function itemsPerCall(session: ClientSession): Promise<number> {
  try {
    const value = await session.read({
      nodeId: VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
      attributeId: AttributeIds.Value,
    });
    const limit: unknown = value.value.value;
    return value.statusCode.isGood() && typeof limit === "number" && Number.isInteger(limit) && limit > 0
      ? limit
      : FALLBACK_ITEMS_PER_CALL;
  } catch {
    return FALLBACK_ITEMS_PER_CALL;
  }
}

/** What became of a shelf's bins in a subscription. */
export interface MonitoredShelf {
  /** Bins that are watched. */
  monitored: number;
  /** Bins with no node (not found by browsing) or whose item the server refused, with why. */
  unmonitored: { location: string; status: string }[];
}

/**
 * A subscription for the shelves of one publishing interval on a session
 * (decision 0188: shelves with the same interval share it).
 */
export function createShelfSubscription(
  session: ClientSession,
  publishingIntervalMs: number,
): Promise<ClientSubscription> {
  const keepAliveCount = Math.max(1, Math.ceil(10_000 / publishingIntervalMs));
  return session.createSubscription2({
    requestedPublishingInterval: publishingIntervalMs,
    // Keep-alive every ~10 s and a lifetime of 3 keep-alives (IEC 62541-4 §5.13.2): a lost client's
    // subscription is dropped by the server within a minute, not kept for ever.
    requestedMaxKeepAliveCount: keepAliveCount,
    requestedLifetimeCount: 3 * keepAliveCount,
    // A restart re-sends every bin's value at once: allow it in few publishes.
    maxNotificationsPerPublish: 10_000,
    publishingEnabled: true,
    priority: 10,
  });
}

/**
 * Watches every bin of a shelf in the given subscription: nodes by id, or
 * found by browsing the shelf's folder, created in calls of at most
 * `perCall` items (the server's MaxMonitoredItemsPerCall). A bin that
 * cannot be watched does not stop the others: it is returned, and the
 * caller treats it as a bin without a good value.
 */
export async function monitorShelfBins(
  session: ClientSession,
  subscription: ClientSubscription,
  shelf: ShelfDevice,
  perCall: number,
  onValue: (location: string, value: DataValue) => void,
): Promise<MonitoredShelf> {
  const sampling = shelfSampling(shelf.sampling);
  const browsed =
    shelf.browse !== undefined && shelf.bins.some((b) => b.nodeId === undefined)
      ? await browseFolder(session, shelf.browse.folderNodeId)
      : [];
  const { nodes, missing } = binNodes(shelf.bins, shelf.browse, browsed);
  const unmonitored = missing.map((location) => ({ location, status: "BadNodeIdUnknown" }));
  for (let start = 0; start < nodes.length; start += perCall) {
    const chunk = nodes.slice(start, start + perCall);
    const group = await subscription.monitorItems(
      chunk.map((node) => ({ nodeId: node.nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: sampling.samplingIntervalMs, discardOldest: true, queueSize: sampling.queueSize },
      TimestampsToReturn.Both,
    );
    group.monitoredItems.forEach((item, i) => {
      const node = chunk[i];
      if (node !== undefined && item.statusCode !== undefined && !item.statusCode.isGood()) {
        unmonitored.push({ location: node.location, status: item.statusCode.name });
      }
    });
    group.on("changed", (_item, value, index) => {
      const node = chunk[index];
      if (node !== undefined) onValue(node.location, value);
    });
  }
  return { monitored: nodes.length - (unmonitored.length - missing.length), unmonitored };
}
