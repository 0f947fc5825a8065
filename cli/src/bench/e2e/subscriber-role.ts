import mqtt from "mqtt";
import { z } from "zod";
import { printJson } from "../../stdout.js";

export const SubscriberOptions = z.object({
  url: z.string().min(1),
  topic: z.string().min(1),
  /** Messages to receive before reporting. */
  expected: z.number().int().positive(),
});
export type SubscriberOptions = z.infer<typeof SubscriberOptions>;

/** What the baseline's subscriber reports; times are epoch ms. */
export const SubscriberDone = z.object({
  event: z.literal("done"),
  received: z.number().int(),
  lastReceiveMs: z.number(),
  malformed: z.number().int(),
});
export type SubscriberDone = z.infer<typeof SubscriberDone>;

/**
 * The baseline's consumer: subscribes at QoS 1 and JSON-parses every message
 * (the least any consumer of device messages does), reporting once it has
 * `expected` of them, then disconnects.
 */
export async function runSubscriber(options: SubscriberOptions): Promise<void> {
  const client = await mqtt.connectAsync(options.url, { clientId: `bench-sink-${process.pid}`, reconnectPeriod: 0 });
  let finished: () => void = () => {};
  const allReceived = new Promise<void>((resolve) => {
    finished = resolve;
  });
  (client.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  let received = 0;
  let malformed = 0;
  client.on("message", (_topic, payload) => {
    try {
      JSON.parse(payload.toString("utf8"));
    } catch {
      malformed++;
    }
    received++;
    if (received === options.expected) {
      const done: SubscriberDone = { event: "done", received, lastReceiveMs: Date.now(), malformed };
      printJson(done);
      finished();
    }
  });
  await client.subscribeAsync(options.topic, { qos: 1 });
  printJson({ event: "ready" });
  await allReceived;
  await client.endAsync();
}
