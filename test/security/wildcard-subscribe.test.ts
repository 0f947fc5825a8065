import { deadLetterTopic, deviceTopic } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { grantedQos, type SecureEdge, startSecureEdge } from "./support/secure-edge.js";

describe("a device reading what is not its own", () => {
  let secure: SecureEdge | undefined;
  afterEach(async () => {
    await secure?.close();
    secure = undefined;
  });

  it("is refused `#`, `$SYS/#` and other devices' topics, and gets its own dead letters only", async () => {
    secure = await startSecureEdge();
    const spy = await secure.connect("scanner-2");
    for (const filter of ["#", "$SYS/#", "tally/v1/DEMO/dev/#", "tally/v1/DEMO/dev/scanner-1/scan", "+/+/+/dev/+/+"]) {
      expect(await grantedQos(spy, filter), filter).toBe(128);
    }
    expect(await grantedQos(spy, deadLetterTopic("DEMO", "scanner-2"))).toBe(1);
    expect(secure.edge.metrics().mqttRefused).toEqual({ "subscribe-topic": 4, "subscribe-sys": 1 });

    const seen: string[] = [];
    spy.on("message", (topic) => seen.push(topic));
    // scanner-1's bad scan and scanner-2's bad scan: each device's dead letter goes to that device only.
    const scanner1 = await secure.connect("scanner-1");
    await scanner1.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), "not json", { qos: 1 });
    const scanner2 = await secure.connect("scanner-2");
    await scanner2.publishAsync(deviceTopic("DEMO", "scanner-2", "scan"), "not json", { qos: 1 });
    await eventually(
      () => seen,
      (topics) => topics.length >= 1,
      { what: "scanner-2's dead letter" },
    );
    await eventually(
      () => secure?.edge.metrics().deadLetters.TALLY_ERR_MSG_NOT_JSON ?? 0,
      (n) => n === 2,
      { what: "both dead letters published" },
    );
    expect(seen).toEqual([deadLetterTopic("DEMO", "scanner-2")]);
  });
});
