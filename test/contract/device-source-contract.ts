import type { DeviceSource, Observation } from "@tally/edge";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";

/** A source under test, with a device behind it that the contract can make send. */
export interface DeviceSourceHarness {
  source: DeviceSource;
  /** The device id its observations carry. */
  deviceId: string;
  /** Makes the device send one value (a message, a changed variable); the n-th call sends a different one. */
  send(n: number): Promise<void>;
  /** Stops the device side (broker, server) after the source is closed. */
  stop(): Promise<void>;
}

/**
 * What every DeviceSource does, whatever its protocol: it becomes ready,
 * turns each device value into one observation of that device, counts what
 * it took, and completes its stream on close.
 */
export function deviceSourceContract(name: string, open: () => Promise<DeviceSourceHarness>): void {
  describe(`DeviceSource contract: ${name}`, () => {
    it("becomes ready, emits one observation per device value, and counts them", async () => {
      const h = await open();
      try {
        const seen: Observation[] = [];
        const subscription = h.source.observations$.subscribe((o) => seen.push(o));
        await h.source.ready;
        const before = seen.length;
        const receivedBefore = h.source.metrics().received;
        for (let n = 1; n <= 3; n++) {
          await h.send(n);
          // Counted by the source, not by observations: a device's own link (its `online` on connect) may add one.
          await eventually(
            () => h.source.metrics().received - receivedBefore,
            (k) => k >= n,
            { what: `value ${n} from ${name}`, timeoutMs: 10_000 },
          );
          await eventually(
            () => seen.length - before,
            (k) => k >= n,
            { what: `observation ${n} from ${name}`, timeoutMs: 10_000 },
          );
        }
        expect(seen.slice(before).every((o) => o.deviceId === h.deviceId)).toBe(true);
        expect(new Set(seen.map((o) => o.id)).size).toBe(seen.length);
        expect(h.source.metrics().received - receivedBefore).toBe(3);
        expect(h.source.metrics().reconnects).toBe(0);
        subscription.unsubscribe();
      } finally {
        await h.source.close();
        await h.stop();
      }
    });

    it("completes its stream on close", async () => {
      const h = await open();
      try {
        await h.source.ready;
        let completed = false;
        h.source.observations$.subscribe({
          complete: () => {
            completed = true;
          },
        });
        expect(completed).toBe(false);
        await h.source.close();
        expect(completed).toBe(true);
      } finally {
        await h.stop();
      }
    });
  });
}
