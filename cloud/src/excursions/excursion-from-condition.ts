import type { Condition } from "@tally/protocols";
import { derivedId } from "../ledger/derived-id.js";
import { type ExcursionRecord, zoneOf } from "./excursion-record.js";

/** The id of the excursion of a device that started at `startedAt` (any ISO form of the same instant). */
export function excursionId(siteId: string, deviceId: string, startedAt: string): string {
  return derivedId(`excursion:${siteId}:${deviceId}:${new Date(startedAt).toISOString()}`);
}

/**
 * What one TEMPERATURE_EXCURSION condition says of its excursion. A condition
 * carrying `excursion` gives the record itself; one from an older edge
 * without it gives what its time, value and limit tell: a raise starts an
 * open record at `occurredAt` (the grace it waited is unknown), a clear
 * (`closes`) ends the device's open record at `occurredAt`.
 */
export type ExcursionFact =
  | { kind: "record"; record: ExcursionRecord }
  | { kind: "closes"; siteId: string; deviceId: string; endedAt: string };

export function excursionFact(condition: Condition, alertId: string | undefined): ExcursionFact | undefined {
  if (condition.conditionType !== "TEMPERATURE_EXCURSION") return undefined;
  const base = {
    siteId: condition.siteId,
    deviceId: condition.deviceId,
    ...(condition.location !== undefined && { location: condition.location }),
    ...(zoneOf(condition.location) !== undefined && { zone: zoneOf(condition.location) }),
    ...(alertId !== undefined && { alertId }),
  };
  const excursion = condition.excursion;
  if (excursion !== undefined) {
    const raised = condition.state === "raised";
    const record: ExcursionRecord = {
      id: excursionId(condition.siteId, condition.deviceId, excursion.startedAt),
      ...base,
      status: raised ? "open" : "closed",
      startedAt: excursion.startedAt,
      // A clear without its raise (a reordered batch): the raise came when the grace ran out.
      raisedAt: raised ? condition.occurredAt : plusSeconds(excursion.startedAt, excursion.graceS),
      side: excursion.side,
      limit: excursion.limit,
      peak: excursion.peak,
      durationS: excursion.durationS,
      degreeMinutes: excursion.degreeMinutes,
      unknownS: excursion.unknownS,
      graceS: excursion.graceS,
      hysteresisC: excursion.hysteresisC,
    };
    const endedAt = excursion.endedAt ?? (raised ? undefined : condition.occurredAt);
    if (!raised && endedAt !== undefined) record.endedAt = endedAt;
    return { kind: "record", record };
  }
  if (condition.state === "cleared") {
    return { kind: "closes", siteId: condition.siteId, deviceId: condition.deviceId, endedAt: condition.occurredAt };
  }
  const limit = condition.limit ?? condition.value ?? 0;
  const peak = condition.value ?? limit;
  return {
    kind: "record",
    record: {
      id: excursionId(condition.siteId, condition.deviceId, condition.occurredAt),
      ...base,
      status: "open",
      startedAt: condition.occurredAt,
      raisedAt: condition.occurredAt,
      side: peak < limit ? "below" : "above",
      limit,
      peak,
      durationS: 0,
      degreeMinutes: 0,
      unknownS: 0,
      graceS: 0,
      hysteresisC: 0,
    },
  };
}

/**
 * One record from what was stored and what just came, whatever their order:
 * a closed record wins over an open one (the clear is complete), else the
 * one that lasted longer; the raise's time and alert are kept from whichever knows them.
 */
export function mergeExcursion(stored: ExcursionRecord | undefined, incoming: ExcursionRecord): ExcursionRecord {
  if (stored === undefined) return incoming;
  const incomingWins =
    incoming.status !== stored.status ? incoming.status === "closed" : incoming.durationS >= stored.durationS;
  const winner = incomingWins ? incoming : stored;
  const other = incomingWins ? stored : incoming;
  const merged: ExcursionRecord = { ...winner };
  // Only a raise knows when it was raised (a clear guesses it): an incoming raise's time, else the stored one.
  merged.raisedAt = incoming.status === "open" ? incoming.raisedAt : stored.raisedAt;
  const alertId = winner.alertId ?? other.alertId;
  if (alertId !== undefined) merged.alertId = alertId;
  if (merged.location === undefined && other.location !== undefined) merged.location = other.location;
  if (merged.zone === undefined && other.zone !== undefined) merged.zone = other.zone;
  return merged;
}

/** An open record closed at `endedAt` by a clear that carried no record (older edges). */
export function closeExcursion(open: ExcursionRecord, endedAt: string): ExcursionRecord {
  const durationS = Math.max(0, (Date.parse(endedAt) - Date.parse(open.startedAt)) / 1000);
  return { ...open, status: "closed", endedAt, durationS: Math.max(open.durationS, durationS) };
}

function plusSeconds(at: string, seconds: number): string {
  return new Date(Date.parse(at) + seconds * 1000).toISOString();
}
