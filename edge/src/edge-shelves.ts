import type { Condition } from "@tally/protocols";
import type { Logger } from "pino";
import type { OpcuaShelfSource } from "./adapters/opcua-shelf-source.js";
import { connectOpcuaShelves } from "./adapters/opcua-shelves.js";
import { withContentId } from "./domain/content-id.js";
import type { EdgeOptions } from "./edge-options.js";
import type { ObservationFeed } from "./observation-feed.js";
import type { OutboxWriter } from "./outbox-writer.js";
import type { DeviceSource } from "./ports/device-source.js";

/** Which shelves are not ready yet once they all are, or `timeoutMs` has passed. */
export type ShelvesReady = (timeoutMs: number) => Promise<{ waiting: string[] }>;

export interface EdgeShelvesContext {
  options: EdgeOptions;
  logger: Logger;
  newId: () => string;
  /** Where the shelves' conditions go, with content-derived ids when journalled (replays make the same ids). */
  writer: Pick<OutboxWriter, "push">;
  journalled: boolean;
  /** Where each shelf's weights go (and its close is pushed). */
  feed: Pick<ObservationFeed, "attach">;
}

/** Connects the site's OPC-UA shelves as device sources. */
export function connectEdgeShelves(context: EdgeShelvesContext): {
  shelves: OpcuaShelfSource[];
  shelvesReady: ShelvesReady;
} {
  const { options, writer, journalled } = context;
  const shelves = connectOpcuaShelves({
    site: options.site,
    edgeId: options.edgeId,
    dataDir: options.dataDir,
    mode: options.mode ?? "production",
    opcua: options.opcua,
    logger: context.logger,
    newId: context.newId,
    onCondition: (condition: Condition) => {
      writer.push([journalled ? withContentId(condition) : condition]);
    },
  });
  for (const shelf of shelves) context.feed.attach(shelf);
  return { shelves, shelvesReady: (timeoutMs) => shelvesReadyWithin(shelves, timeoutMs) };
}

/** Waits for every shelf's `ready`, or `timeoutMs`, whichever comes first: the ids of those still waiting. */
export async function shelvesReadyWithin(
  shelves: readonly Pick<DeviceSource, "id" | "ready">[],
  timeoutMs: number,
): Promise<{ waiting: string[] }> {
  const ready = new Set<string>();
  const all = Promise.allSettled(shelves.map((s) => s.ready.then(() => ready.add(s.id))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  return { waiting: shelves.map((s) => s.id).filter((id) => !ready.has(id)) };
}
