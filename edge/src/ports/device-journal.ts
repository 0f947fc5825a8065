/** A device message as it was received, with its place in the journal. */
export interface JournalEntry {
  /** Increasing by one per message, never reused. */
  seq: number;
  topic: string;
  payload: Buffer;
  /** When the edge received it, ms since the epoch. */
  receivedAt: number;
}

/**
 * Write-ahead log of device messages: a message is journalled before the
 * device's publish is acknowledged, and stays until the events it produced
 * are in the outbox (the checkpoint). After a crash the edge replays what is
 * past the checkpoint.
 */
export interface DeviceJournal {
  /** Resolves with the message's seq once it is durable; rejects when it cannot be (e.g. disk full). */
  append(topic: string, payload: Buffer, receivedAt: number): Promise<number>;
  /** Every message kept, oldest first: the context before the checkpoint, then those past it. */
  unprocessed(): Iterable<JournalEntry>;
  /**
   * Everything up to and including `seq` has reached the outbox. Messages up
   * to it received before `keepSince` (ms since the epoch) are forgotten; the
   * later ones stay as context for a replay. Never moves back. Resolves once
   * the checkpoint is durable; rejects when it could not be written (it stays
   * where it was, and a later call may move it).
   */
  checkpoint(seq: number, keepSince: number): Promise<void>;
  checkpointed(): number;
  /** Whether older messages were forgotten, so a replay starts in the middle of the stream. */
  startsMidStream(): boolean;
  /** Messages kept. */
  depth(): number;
  close(): void;
}
