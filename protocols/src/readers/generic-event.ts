import { describeIssues, TagReadMessage } from "../device-messages.js";
import type { EventOutcome } from "./event-outcome.js";
import { normaliseReaderTimestamp } from "./reader-timestamp.js";

/**
 * Maps one Tally generic `TagReadMessage` (`{ reads: [{ epc, antenna, rssi, readAt }] }`,
 * see device-messages.ts) to normalised reads: EPC upper-case, `readAt` in UTC.
 */
export function readGenericEvent(event: unknown): EventOutcome {
  const parsed = TagReadMessage.safeParse(event);
  if (!parsed.success) return { kind: "invalid", reason: `read message: ${describeIssues(parsed.error)}` };
  const reads = [];
  for (const [i, read] of parsed.data.reads.entries()) {
    const readAt = normaliseReaderTimestamp(read.readAt);
    if (readAt === undefined) return { kind: "invalid", reason: `reads.${i}.readAt: not a valid date: ${read.readAt}` };
    reads.push({ ...read, epc: read.epc.toUpperCase(), readAt });
  }
  return { kind: "reads", reads };
}
