import { EventEmitter } from "node:events";
import type { Alert } from "./alert.js";

export type AlertListener = (alert: Alert) => void;

/**
 * In-process fan-out of alert changes, published after the commit that made
 * them (so listeners never see an alert the ledger rolled back).
 */
export class AlertHub {
  readonly #emitter = new EventEmitter();

  constructor() {
    // One listener per open SSE stream: many is normal, not a leak.
    this.#emitter.setMaxListeners(0);
  }

  publish(alerts: readonly Alert[]): void {
    for (const alert of alerts) this.#emitter.emit("alert", alert);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: AlertListener): () => void {
    this.#emitter.on("alert", listener);
    return () => this.#emitter.off("alert", listener);
  }

  get listenerCount(): number {
    return this.#emitter.listenerCount("alert");
  }
}
