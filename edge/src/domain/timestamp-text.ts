/**
 * A value's timestamp as ISO 8601 text, remembering the last one: the values of one publish mostly share
 * their source timestamp, so most take the text already made. A missing or invalid timestamp is the
 * time of arrival (an invalid date would make `toISOString` throw).
 */
export class TimestampText {
  #ms = Number.NaN;
  #text = "";

  iso(stamp: Date | null | undefined, nowMs: number): string {
    const stampMs = stamp?.getTime();
    const ms = stampMs !== undefined && Number.isFinite(stampMs) ? stampMs : nowMs;
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#text = new Date(ms).toISOString();
    }
    return this.#text;
  }
}
