import type { ShelfRefusalCode } from "./shelf-refusal.js";

/**
 * Whether a refusal calls for a sweep of rejected/ before the next attempt.
 * Only a server certificate the edge did not trust can have left a stale
 * copy there (an attempt that read the PKI while a trust moved the file);
 * every other refusal leaves rejected/ as it was.
 */
export function refusalCallsForSweep(code: ShelfRefusalCode): boolean {
  return code === "SERVER_CERTIFICATE_UNTRUSTED";
}

/**
 * When an OPC-UA endpoint session removes from rejected/ the copies of
 * certificates it also finds in trusted/ (a sweep lists and parses every
 * certificate): before its first attempt, and again only before the attempt
 * that follows a refusal of the server's certificate. A sweep that did not
 * finish stays due.
 */
export class RejectedCopiesSweepSchedule {
  #due = true;

  /** True when the coming attempt sweeps before it connects. */
  get due(): boolean {
    return this.#due;
  }

  /** The sweep ran to its end. */
  swept(): void {
    this.#due = false;
  }

  /** An attempt ended in this refusal. */
  refused(code: ShelfRefusalCode): void {
    if (refusalCallsForSweep(code)) this.#due = true;
  }
}
