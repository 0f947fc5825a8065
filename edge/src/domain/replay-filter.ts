import type { Observation } from "./observation.js";

/**
 * On replay the journal starts somewhere inside the day: a tag already being
 * read at that point was in a pass (or parked) before it, and replaying only
 * its tail would make a different pass, a movement that was never there or
 * one made twice. So, per portal and tag, reads that continue a run already
 * going when the replay starts are left out, until that tag has been silent
 * for `silenceMs`; every later pass is replayed whole.
 */
export class ContinuingRunFilter {
  /** Last receive time of each run that was going when the replay started. */
  readonly #continuing = new Map<string, number>();
  readonly #seen = new Set<string>();
  #startMs: number | undefined;

  constructor(private readonly silenceMs: number) {}

  /** True when `observation` (received at `receivedAt`, ms) must not be replayed. */
  skip(observation: Observation, receivedAt: number): boolean {
    this.#startMs ??= receivedAt;
    if (observation.type !== "tag-read") return false;
    const key = `${observation.deviceId}\u0000${observation.epc}`;
    const last = this.#continuing.get(key);
    if (last !== undefined) {
      if (receivedAt - last <= this.silenceMs) {
        this.#continuing.set(key, receivedAt);
        return true;
      }
      this.#continuing.delete(key);
      this.#seen.add(key);
      return false;
    }
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (receivedAt - this.#startMs <= this.silenceMs) {
      this.#continuing.set(key, receivedAt);
      this.#seen.delete(key);
      return true;
    }
    return false;
  }
}
