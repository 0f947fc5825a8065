import { ErrorCode, readingEvent, type Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import type { OutgoingBatch } from "../ports/uplink-transport.js";
import { setup, telemetry } from "../testing/fake-uplink.js";

const reading = (n: number) => telemetry(n) as Telemetry;
const summary = (n: number): Telemetry => ({
  ...reading(n),
  summary: { periodS: 60, min: n - 1, max: n + 1, count: 12 },
});
const windowed = (n: number): Telemetry => ({ ...reading(n), deviceId: "temp-c2", excursionWindow: true });

describe("UplinkSender with readings as columns", () => {
  it("sends plain readings as columns and the rest as events, and the columns stand for the same readings", async () => {
    const { outbox, transport, advance } = await setup(10, {}, 0, { readingColumns: true });
    const events = [telemetry(1), summary(2), telemetry(3), windowed(4)];
    await outbox.append(events);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    expect(batch.events).toEqual([summary(2)]);
    const readings = batch.readings;
    if (readings === undefined) throw new Error("no readings sent");
    expect(readings.series).toHaveLength(2);
    const back = readings.id.map((_, i) => readingEvent(readings, i, readings.w?.includes(i) ?? false));
    expect(back).toEqual([telemetry(1), telemetry(3), windowed(4)]);
  });

  it("takes readings out of the outbox by the ack's count, with the events it names", async () => {
    const { outbox, transport, sender, advance } = await setup(10, {}, 0, { readingColumns: true });
    await outbox.append([telemetry(1), summary(2), telemetry(3)]);
    await advance();
    transport.ack(transport.sent[0] as OutgoingBatch);
    await advance();
    expect(outbox.depth()).toBe(0);
    expect(sender.counters.eventsCommitted).toBe(3);
  });

  it("moves a refused reading to the dead letters and takes the others out", async () => {
    const letters: string[] = [];
    const { outbox, transport, sender, advance } = await setup(
      10,
      { onDeadLettered: (gone) => letters.push(...gone.map((l) => l.event.id)) },
      0,
      { readingColumns: true },
    );
    await outbox.append([telemetry(1), telemetry(2), telemetry(3)]);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    const refused = { id: telemetry(2).id, index: 1, code: ErrorCode.LocationUnknown, reason: "no such bin" };
    transport.ack(batch, { committed: [], rejected: [refused], readingsCommitted: 2 });
    await advance();
    expect(outbox.depth()).toBe(0);
    expect(letters).toEqual([telemetry(2).id]);
    expect(sender.counters).toMatchObject({ eventsCommitted: 2, eventsRejected: 1 });
  });

  it("takes no reading out when the ack's count disagrees with what the batch sent, and says so", async () => {
    const forged: string[] = [];
    const { outbox, transport, advance } = await setup(10, { onForgedAck: (_ack, why) => forged.push(why) }, 0, {
      readingColumns: true,
    });
    await outbox.append([telemetry(1), summary(2), telemetry(3)]);
    await advance();
    transport.ack(transport.sent[0] as OutgoingBatch, { readingsCommitted: 5 });
    await advance();
    // The summary, named by id, left; both readings stay to be sent again.
    expect(outbox.depth()).toBe(2);
    expect(forged).toEqual([expect.stringMatching(/counts 5 reading\(s\) taken, the batch sent 2/)]);
  });

  it("sends every reading as an event when not configured to use columns", async () => {
    const { outbox, transport, advance } = await setup(10, {}, 0);
    await outbox.append([telemetry(1), telemetry(2)]);
    await advance();
    const batch = transport.sent[0] as OutgoingBatch;
    expect(batch.readings).toBeUndefined();
    expect(batch.events).toEqual([telemetry(1), telemetry(2)]);
  });
});
