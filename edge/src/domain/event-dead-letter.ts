import { type EdgeEvent, type ErrorCode, uplinkBatchTopic } from "@tally/protocols";
import type { DeadLetteredEvent } from "../ports/outbox.js";

/**
 * What the edge publishes on the site's dead-letter topic for an event the
 * cloud refused for good. It has the fields of a refused device message
 * (`topic`, `deviceId`, `code`, `reason`, `bytes`, `payloadPreview`,
 * `receivedAt`), so one subscriber reads both, and says it came from the
 * cloud's refusal, with the whole event so nothing has to be looked up.
 */
export interface EventDeadLetterMessage {
  source: "cloud-refusal";
  /** The uplink topic the event's batch belongs to (the same envelope over HTTP). */
  topic: string;
  /** The device the event rests on, when it has one: its dead letters are published under it. */
  deviceId?: string | undefined;
  code: ErrorCode;
  reason: string;
  /** Bytes of the event as JSON. */
  bytes: number;
  payloadPreview: string;
  /** When the edge took the refusal, ISO. */
  receivedAt: string;
  edgeId: string;
  eventId: string;
  kind: EdgeEvent["kind"];
  batchId?: string | undefined;
  event: EdgeEvent;
}

/** The device an event rests on: the evidence of a movement or task, the device of a condition or reading. */
export function eventDeviceId(event: EdgeEvent): string {
  switch (event.kind) {
    case "movement":
    case "task":
      return event.evidence.deviceId;
    case "condition":
    case "telemetry":
      return event.deviceId;
  }
}

export function eventDeadLetter(siteId: string, edgeId: string, dead: DeadLetteredEvent): EventDeadLetterMessage {
  const body = JSON.stringify(dead.event);
  return {
    source: "cloud-refusal",
    topic: uplinkBatchTopic(siteId, edgeId),
    deviceId: eventDeviceId(dead.event),
    code: dead.code,
    reason: dead.reason,
    bytes: new TextEncoder().encode(body).byteLength,
    payloadPreview: body.slice(0, 256),
    receivedAt: dead.deadLetteredAt,
    edgeId,
    eventId: dead.event.id,
    kind: dead.event.kind,
    batchId: dead.batchId,
    event: dead.event,
  };
}
