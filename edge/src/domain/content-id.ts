import type { EdgeEvent } from "@tally/protocols";
import { v5 as uuidv5 } from "uuid";

/** Namespace of Tally's content-derived event ids (a fixed, random UUID). */
const EVENT_NAMESPACE = "4f0c1b56-8d3e-4c7a-9e21-5b7d2f6a90c3";

/**
 * The event with an id derived from its content (a name-based UUID, RFC 9562
 * version 5): the same device messages replayed after a crash make the same
 * events with the same ids, which the outbox and the cloud then absorb as
 * duplicates instead of counting twice.
 */
export function withContentId<E extends EdgeEvent>(event: E): E {
  const { id: _random, ...content } = event;
  return { ...event, id: uuidv5(JSON.stringify(nameOf(event, content)), EVENT_NAMESPACE) };
}

/**
 * What an event's id is derived from. A temperature summary is named by its
 * sensor and period, not by its numbers: a replay that sees only the tail of
 * a period already sent (the journal keeps about two minutes of context)
 * makes a summary with the same id and fewer readings, which the cloud
 * refuses as a conflict instead of storing a second point for one period.
 */
function nameOf(event: EdgeEvent, content: unknown): unknown {
  if (event.kind !== "telemetry" || event.summary === undefined) return content;
  const { siteId, deviceId, metric, occurredAt } = event;
  return { kind: "telemetry", siteId, deviceId, metric, occurredAt, periodS: event.summary.periodS };
}
