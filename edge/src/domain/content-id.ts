import { createHash } from "node:crypto";
import type { EdgeEvent } from "@tally/protocols";
import { parse, stringify } from "uuid";

/** Namespace of Tally's content-derived event ids (a fixed, random UUID). */
export const EVENT_NAMESPACE = "4f0c1b56-8d3e-4c7a-9e21-5b7d2f6a90c3";
const NAMESPACE_BYTES = parse(EVENT_NAMESPACE);

/**
 * A name-based UUID, version 5 (RFC 9562 §5.5): SHA-1 of the namespace and
 * the name, version and variant bits set. The same value as `uuid`'s `v5`,
 * whose SHA-1 is written in JavaScript; Node's own is several times faster,
 * and every event an edge makes is named this way.
 */
export function nameBasedId(name: string): string {
  const digest = createHash("sha1").update(NAMESPACE_BYTES).update(name, "utf8").digest();
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  return stringify(digest.subarray(0, 16));
}

/** JSON texts of events made by `withContentId`, kept so that the outbox does not make them again. */
const jsonOfEvent = new WeakMap<EdgeEvent, string>();

/**
 * The event with an id derived from its content (a name-based UUID, RFC 9562
 * version 5): the same device messages replayed after a crash make the same
 * events with the same ids, which the outbox and the cloud then absorb as
 * duplicates instead of counting twice. The id comes first in the returned
 * event, so its JSON text is the content's text with the id put in front:
 * made here once, from the text the id was derived from (`eventJson`).
 */
export function withContentId<E extends EdgeEvent>(event: E): E {
  const { id: _random, ...content } = event;
  const name = nameOf(event, content);
  const contentJson = JSON.stringify(content);
  const id = nameBasedId(name === content ? contentJson : JSON.stringify(name));
  const named = { id, ...content } as E;
  if (contentJson.length > 2) jsonOfEvent.set(named, `{"id":${JSON.stringify(id)},${contentJson.slice(1)}`);
  return named;
}

/** `JSON.stringify(event)`, or the same text kept when `withContentId` made the event. Events are not changed after. */
export function eventJson(event: EdgeEvent): string {
  return jsonOfEvent.get(event) ?? JSON.stringify(event);
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
