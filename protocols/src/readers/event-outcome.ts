import type { ReaderNotice, ReaderRead } from "./reader-result.js";

/** What one event of a payload turned into; internal to the reader adapters. */
export type EventOutcome =
  | { kind: "reads"; reads: ReaderRead[] }
  | { kind: "notice"; notice: ReaderNotice }
  | { kind: "skip" }
  | { kind: "invalid"; reason: string };
