import type { CommitAck, EdgeEvent, ReadingColumns } from "@tally/protocols";
import type { Observable } from "rxjs";

/** A batch as the edge sends it: the protocols envelope with typed events. */
export interface OutgoingBatch {
  v: 1;
  edgeId: string;
  siteId: string;
  batchId: string;
  seq: number;
  instanceId?: string;
  /** The seq of the batch sent before this one that was still unacknowledged (see the protocols envelope). */
  after?: number;
  sentAt: string;
  events: EdgeEvent[];
  /** Plain sensor readings as columns, when the sender sends them so (see the protocols envelope). */
  readings?: ReadingColumns;
}

/** Carries batches to the cloud and its commit acknowledgements back (MQTT or HTTP). */
export interface UplinkTransport {
  /** Hands a batch to the transport (rejects while disconnected); resolving does not mean it was committed. */
  send(batch: OutgoingBatch): Promise<void>;
  /** Commit acknowledgements, sent by the cloud after its database commit. */
  readonly acks$: Observable<CommitAck>;
  /** Whether batches can be sent now; `true` again after each reconnect. */
  readonly connected$: Observable<boolean>;
  close(): Promise<void>;
}
