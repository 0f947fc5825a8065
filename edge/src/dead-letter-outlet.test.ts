import { describe, expect, it } from "vitest";
import type { DeadLetter } from "./adapters/mqtt-device-source.js";
import { DeadLetterOutlet, EARLY_DEAD_LETTERS_KEPT } from "./dead-letter-outlet.js";

function letter(n: number): DeadLetter {
  return {
    topic: "tally/v1/DEMO/dev/portal-d1/read",
    deviceId: "portal-d1",
    code: "TALLY_ERR_MSG_SCHEMA",
    reason: `bad message ${n}`,
    bytes: 3,
    payloadPreview: "{}}",
    receivedAt: "2026-11-22T08:00:00.000Z",
  };
}

describe("DeadLetterOutlet", () => {
  it("keeps letters until it is connected, then sends them first, in order, and later ones at once", () => {
    const outlet = new DeadLetterOutlet();
    const sent: string[] = [];
    outlet.publish(letter(1));
    outlet.publish(letter(2));
    expect(sent).toEqual([]);
    outlet.connect((l) => sent.push(l.reason));
    expect(sent).toEqual(["bad message 1", "bad message 2"]);
    outlet.publish(letter(3));
    expect(sent).toEqual(["bad message 1", "bad message 2", "bad message 3"]);
  });

  it("keeps only the first letters while nothing is connected", () => {
    const outlet = new DeadLetterOutlet();
    for (let n = 0; n < EARLY_DEAD_LETTERS_KEPT + 5; n++) outlet.publish(letter(n));
    const sent: DeadLetter[] = [];
    outlet.connect((l) => sent.push(l));
    expect(sent).toHaveLength(EARLY_DEAD_LETTERS_KEPT);
    expect(sent.at(-1)?.reason).toBe(`bad message ${EARLY_DEAD_LETTERS_KEPT - 1}`);
  });
});
