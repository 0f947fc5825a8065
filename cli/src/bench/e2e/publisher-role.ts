import mqtt from "mqtt";
import { z } from "zod";
import { printJson } from "../../stdout.js";
import { checkMessageCount, type E2eWorkload, readSpanMs, rfidPayloads, scanPayload } from "./e2e-workload.js";

export const PublisherOptions = z.object({
  url: z.string().min(1),
  clientId: z.string().min(1),
  username: z.string().optional(),
  password: z.string().optional(),
  topic: z.string().min(1),
  workload: z.enum(["scan", "rfid-generic", "rfid-impinj", "rfid-batch50"]),
  messages: z.number().int().positive(),
  /** First tag serial (RFID): each run its own range, so no tag passes twice. */
  serialBase: z.number().int().min(0).default(0),
  /** Scans go to this location (default: the scanner's). */
  location: z.string().optional(),
  /** Publishes sent and not yet acknowledged (PUBACK), at most. */
  window: z.number().int().positive(),
  /** Offered rate, messages/s; none: as fast as the broker acknowledges. */
  ratePerS: z.number().positive().optional(),
});
export type PublisherOptions = z.infer<typeof PublisherOptions>;

/** What a publisher reports when every publish is acknowledged; times are epoch ms. */
export const PublisherDone = z.object({
  event: z.literal("done"),
  messages: z.number().int(),
  firstSendMs: z.number(),
  lastSendMs: z.number(),
  lastAckMs: z.number(),
  /** CPU time of this process from the first send to the last PUBACK (payloads made before are not in it), ms. */
  cpuMs: z.number(),
});
export type PublisherDone = z.infer<typeof PublisherDone>;

/**
 * A device (or a stand-in for one on a bare broker) publishing a workload at
 * QoS 1 with at most `window` publishes awaiting their PUBACK: as fast as the
 * broker accepts them, or at `ratePerS`. RFID payloads are made before the
 * first send; a scan is made when it is sent, stamped with that time.
 */
export async function runPublisher(options: PublisherOptions): Promise<void> {
  const refused = checkMessageCount(options.workload as E2eWorkload, options.messages);
  if (refused !== undefined) throw new Error(refused);
  const span = readSpanMs(options.workload, options.messages);
  // Device times end a little before now: a reader's times are never ahead of the edge's clock.
  const payloads =
    options.workload === "scan"
      ? undefined
      : rfidPayloads(options.workload, options.messages, options.serialBase, Date.now() - span - 1000);
  const client = await mqtt.connectAsync(options.url, {
    clientId: options.clientId,
    ...(options.username !== undefined && { username: options.username }),
    ...(options.password !== undefined && { password: options.password }),
    reconnectPeriod: 0,
  });
  // Nagle off, as the edge's own clients have it.
  (client.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  let sent = 0;
  let acked = 0;
  let lastMs = 0;
  let sub = 0;
  let lastSendMs = 0;
  let lastAckMs = 0;
  const cpuStart = process.cpuUsage();
  const firstSendMs = Date.now();
  await new Promise<void>((resolve, reject) => {
    client.once("error", reject);
    client.once("close", () => {
      if (acked < options.messages) reject(new Error(`the broker closed the connection after ${acked} PUBACKs`));
    });
    const pump = (): void => {
      const now = Date.now();
      const due =
        options.ratePerS === undefined
          ? options.messages
          : Math.min(options.messages, Math.floor(((now - firstSendMs) * options.ratePerS) / 1000) + 1);
      while (sent < due && sent - acked < options.window) {
        let payload: Buffer;
        if (payloads === undefined) {
          sub = now === lastMs ? sub + 1 : 0;
          lastMs = now;
          payload = scanPayload(now, sub % 1000, options.location);
        } else {
          payload = payloads[sent] as Buffer;
        }
        sent++;
        lastSendMs = now;
        client.publish(options.topic, payload, { qos: 1 }, (error) => {
          if (error !== undefined && error !== null) {
            reject(error);
            return;
          }
          acked++;
          lastAckMs = Date.now();
          if (acked === options.messages) resolve();
          else pump();
        });
      }
    };
    pump();
    if (options.ratePerS !== undefined) {
      // Offered load: the publishes due so far, every millisecond, whatever the acknowledgements do.
      const timer = setInterval(() => {
        if (sent >= options.messages) clearInterval(timer);
        else pump();
      }, 1);
    }
  });
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const done: PublisherDone = { event: "done", messages: options.messages, firstSendMs, lastSendMs, lastAckMs, cpuMs };
  printJson(done);
  await client.endAsync();
}
