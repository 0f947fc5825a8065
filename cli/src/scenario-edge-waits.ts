import { setTimeout as sleep } from "node:timers/promises";
import type { CloudSetup, ExpectedDocument } from "@tally/simulators";
import type { Logger } from "pino";
import type { SystemEdge } from "./system-edge.js";

/** Longest wait for an edge to receive what was sent or to see a changed expected document, ms. */
const EDGE_WAIT_MS = 30_000;
/** How often the waits below ask the edge, ms. */
const ASK_EVERY_MS = 50;

/** What a play's document hook needs to keep documents and the edge's passes in order. */
export interface DocumentFollowing {
  /** The edge running now (a restart may replace it). */
  edge: () => SystemEdge;
  setup: CloudSetup;
  /** How many device messages the edge's counter must show before a close: all the play had acknowledged. */
  receivedBeforeClose: () => number;
  logger: Logger;
  /** Longest wait for each of the edge's steps, ms; default 30 000. */
  waitMs?: number;
}

/**
 * A play's `documents` hook that follows the edge: before a close it waits
 * until the edge has received every acknowledged message and drained (its
 * passes before the close are judged against the open document); after any
 * change, until the edge works from reference data made after it.
 */
export function followingEdge({ edge, setup, receivedBeforeClose, logger, waitMs = EDGE_WAIT_MS }: DocumentFollowing) {
  return async (action: "open" | "close", document: ExpectedDocument): Promise<void> => {
    if (action === "close") {
      // The edge has every message the broker acknowledged (delivery to its own client comes after) and has
      // drained: it has finished with the pallets before the close.
      if (!(await edgeReceived(edge(), receivedBeforeClose(), waitMs))) {
        logger.warn("the edge did not receive every acknowledged message; closing the document anyway");
      }
      await edge().drained();
    }
    // Taken before the change: the edge has seen every earlier one, so a newer copy carries this one.
    const since = Date.now();
    await (action === "open" ? setup.openDocument(document) : setup.closeDocument(document));
    if (!(await edgeHasReferenceSince(edge(), since, waitMs))) {
      throw new Error(`the edge did not see expected ${document.kind} change within ${waitMs} ms`);
    }
  };
}

/** Waits until the edge's counter shows `count` device messages received; false after `waitMs`. */
function edgeReceived(edge: SystemEdge, count: number, waitMs: number): Promise<boolean> {
  return within(waitMs, async () => (await edge.messagesReceived()) >= count);
}

/**
 * Waits until the edge works from reference data the cloud made at or after
 * `sinceMs`. The cloud answers 304 while its content is what the edge has,
 * so when the edge had every change before `sinceMs`, a newer copy is one
 * with the change made since. False after `waitMs`.
 */
export function edgeHasReferenceSince(edge: SystemEdge, sinceMs: number, waitMs = EDGE_WAIT_MS): Promise<boolean> {
  return within(waitMs, async () => {
    const asOf = await edge.referenceAsOfMs();
    return asOf !== undefined && asOf >= sinceMs;
  });
}

/** Asks `done` every `ASK_EVERY_MS` (an edge out of process answers from a scraped metrics page) until it says yes; false after `waitMs`. */
async function within(waitMs: number, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await sleep(ASK_EVERY_MS);
  }
  return true;
}

/**
 * Waits until the edge has nothing left to send: its outbox is drained and no
 * new event was queued for a little longer than the shelf settle time (the
 * last weights are still being debounced when the play ends).
 */
export async function settleEdge(edge: () => SystemEdge, settleMs: number): Promise<void> {
  let queued = -1;
  for (;;) {
    await edge().drained();
    const now = await edge().eventsQueued();
    if (now === queued) return;
    queued = now;
    await sleep(settleMs + 300);
  }
}
