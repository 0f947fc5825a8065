import type { CommitAck, EdgeEvent } from "@tally/protocols";
import { BehaviorSubject, Subject, VirtualAction, VirtualTimeScheduler } from "rxjs";
import { MemoryOutbox } from "../adapters/memory-outbox.js";
import type { OutgoingBatch, UplinkTransport } from "../ports/uplink-transport.js";
import { UplinkSender, type UplinkSenderConfig } from "../uplink/uplink-sender.js";
import { sequentialIds } from "./demo-site.js";

/** Test kit for the uplink sender: a transport that records batches and plays acks, on virtual time. */
export const telemetry = (n: number): EdgeEvent => ({
  kind: "telemetry",
  id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
  siteId: "DEMO",
  occurredAt: "2026-11-22T08:00:00.000Z",
  deviceId: "temp-c1",
  metric: "temperature",
  value: n,
  unit: "°C",
});

export class FakeTransport implements UplinkTransport {
  readonly sent: OutgoingBatch[] = [];
  readonly acksSubject = new Subject<CommitAck>();
  readonly acks$ = this.acksSubject.asObservable();
  readonly connectedSubject = new BehaviorSubject(true);
  readonly connected$ = this.connectedSubject.asObservable();
  async send(batch: OutgoingBatch) {
    this.sent.push(batch);
  }
  async close() {}
  /**
   * Acknowledges `batch`: every event committed and every reading it sent as columns counted, unless
   * `partial` says otherwise.
   */
  ack(
    batch: OutgoingBatch,
    partial?: {
      committed?: string[];
      duplicates?: string[];
      rejected?: CommitAck["rejected"];
      readingsCommitted?: number;
    },
  ) {
    this.acksSubject.next({
      v: 1,
      edgeId: batch.edgeId,
      batchId: batch.batchId,
      seq: batch.seq,
      status: "committed",
      committed: partial?.committed ?? batch.events.map((e) => e.id),
      duplicates: partial?.duplicates ?? [],
      rejected: partial?.rejected ?? [],
      ...(batch.readings !== undefined && {
        readings: { committed: partial?.readingsCommitted ?? batch.readings.id.length },
      }),
      committedAt: "2026-11-22T08:00:01.000Z",
    });
  }
}

export async function setup(
  maxBatch = 2,
  listener: ConstructorParameters<typeof UplinkSender>[3] = {},
  flushMs = 10,
  extra: Partial<UplinkSenderConfig> = {},
  outbox: MemoryOutbox = new MemoryOutbox(),
) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const transport = new FakeTransport();
  const sender = new UplinkSender(
    outbox,
    transport,
    {
      edgeId: "edge-1",
      siteId: "DEMO",
      maxBatch,
      flushMs,
      ackTimeoutMs: 100,
      maxAckTimeoutMs: 400,
      newId: sequentialIds("b"),
      random: () => 0.5,
      ...extra,
    },
    listener,
    scheduler,
  );
  sender.start();
  // Moves virtual time on by `ms`, letting promise continuations (outbox I/O) run between steps.
  const advance = async (ms = 20) => {
    const until = scheduler.frame + ms;
    for (let step = 0; step < 5; step++) {
      scheduler.maxFrames = until;
      scheduler.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    scheduler.frame = until;
  };
  return { scheduler, outbox, transport, sender, advance };
}
