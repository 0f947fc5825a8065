import type { Telemetry } from "@tally/protocols";

/** The metric name of a device's dead-letter rate, as the cloud reads it. */
export const DEAD_LETTER_METRIC = "dead-letters";
/** Dead letters in one window of `intervalMs` (a minute unless a test shortens it). */
export const DEAD_LETTER_UNIT = "msg/min";
/** Where dead letters of messages from no device of the site file are counted. */
export const UNKNOWN_DEVICE = "_unknown";
/** Where dead letters of devices past the per-window bound are counted. */
export const OTHER_DEVICES = "_other";

/** What the events are stamped with: the site and a source of fresh event ids (UUIDv7 in the edge). */
export interface DeadLetterRateDeps {
  siteId: string;
  newId: () => string;
}

export interface DeadLetterRatesConfig {
  /** Length of one counting window, ms; windows end on whole multiples of it (default 60,000: whole minutes). */
  intervalMs: number;
  /** Distinct device ids counted on their own per window (default 1000); the rest share `_other`. */
  maxDevices: number;
}

export const DEFAULT_DEAD_LETTER_RATES: DeadLetterRatesConfig = { intervalMs: 60_000, maxDevices: 1000 };

// The protocol's device id is 1 to 64 characters; the site file's ids are these characters and begin with a
// letter or digit, so the two reserved keys above can never be a real device.
const MAX_ID_LENGTH = 64;
const OUTSIDE_ID_CHARS = /[^A-Za-z0-9_.-]/g;
const STARTS_LIKE_AN_ID = /^[A-Za-z0-9]/;

/**
 * The key a dead letter is counted under: the device id made safe for the
 * protocol (characters outside a site-file id become `_`, cut to 64), or
 * `_unknown` when there is none or nothing of it is usable.
 */
export function deadLetterRateKey(deviceId: string | undefined): string {
  if (deviceId === undefined) return UNKNOWN_DEVICE;
  // Cut before replacing: a hostile id of megabytes costs no more than 64 characters of work.
  const safe = deviceId.slice(0, MAX_ID_LENGTH).replace(OUTSIDE_ID_CHARS, "_");
  return STARTS_LIKE_AN_ID.test(safe) ? safe : UNKNOWN_DEVICE;
}

/**
 * Counts rejected device messages per device over fixed windows (whole
 * minutes by default) and, when a window ends, makes one `dead-letters`
 * telemetry event per device that had any in it, dated at the window's end,
 * plus one with value 0 in the window after a device's last non-zero one,
 * so the cloud can clear what it raised. Pure: every call is given the time.
 *
 * Memory is bounded: at most `maxDevices` ids (plus `_unknown` and `_other`)
 * in the open window and as many remembered from the window before.
 */
export class DeadLetterRates {
  readonly #deps: DeadLetterRateDeps;
  readonly #config: DeadLetterRatesConfig;
  /** Counts of the open window, by key. */
  #counts = new Map<string, number>();
  /** Keys with dead letters in the window before the open one: they get a zero if the open one has none. */
  #previous = new Set<string>();
  /** End of the open window, ms since the epoch; undefined before the first dead letter. */
  #windowEnd: number | undefined;
  /** Events of windows that ended before a count arrived and were not collected yet. */
  #ready: Telemetry[] = [];

  constructor(deps: DeadLetterRateDeps, config: Partial<DeadLetterRatesConfig> = {}) {
    this.#deps = deps;
    this.#config = { ...DEFAULT_DEAD_LETTER_RATES, ...config };
    if (!(this.#config.intervalMs > 0) || !(this.#config.maxDevices >= 0)) {
      throw new RangeError("dead-letter rates need intervalMs > 0 and maxDevices >= 0");
    }
  }

  /** One dead letter at `atMs` for the device (undefined: no device of the site file). */
  count(deviceId: string | undefined, atMs: number): void {
    this.#closeUntil(atMs);
    this.#windowEnd ??= this.#endOfWindowAt(atMs);
    let key = deadLetterRateKey(deviceId);
    const reserved = key === UNKNOWN_DEVICE || key === OTHER_DEVICES;
    if (!reserved && !this.#counts.has(key) && this.#ownKeys() >= this.#config.maxDevices) key = OTHER_DEVICES;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** The events of every window that ended by `nowMs`, oldest first. */
  collect(nowMs: number): Telemetry[] {
    this.#closeUntil(nowMs);
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /**
   * When `collect` next has something to return, ms since the epoch: the end
   * of the open window while it has counts or a zero is owed; undefined when
   * nothing is owed (no timer needs to run).
   */
  nextDueMs(): number | undefined {
    if (this.#ready.length > 0) return 0;
    if (this.#counts.size === 0 && this.#previous.size === 0) return undefined;
    return this.#windowEnd;
  }

  #ownKeys(): number {
    let n = this.#counts.size;
    if (this.#counts.has(UNKNOWN_DEVICE)) n--;
    if (this.#counts.has(OTHER_DEVICES)) n--;
    return n;
  }

  #endOfWindowAt(atMs: number): number {
    const { intervalMs } = this.#config;
    return Math.floor(atMs / intervalMs) * intervalMs + intervalMs;
  }

  #closeUntil(nowMs: number): void {
    while (this.#windowEnd !== undefined && this.#windowEnd <= nowMs) {
      const end = this.#windowEnd;
      const occurredAt = new Date(end).toISOString();
      for (const [key, value] of this.#counts) this.#ready.push(this.#event(key, value, occurredAt));
      for (const key of this.#previous) {
        if (!this.#counts.has(key)) this.#ready.push(this.#event(key, 0, occurredAt));
      }
      this.#previous = new Set(this.#counts.keys());
      this.#counts = new Map();
      // With nothing left to report, skip the idle windows in one step (a suspended process, a clock jump).
      this.#windowEnd = this.#previous.size === 0 ? undefined : end + this.#config.intervalMs;
    }
  }

  #event(deviceId: string, value: number, occurredAt: string): Telemetry {
    return {
      kind: "telemetry",
      id: this.#deps.newId(),
      siteId: this.#deps.siteId,
      occurredAt,
      deviceId,
      metric: DEAD_LETTER_METRIC,
      value,
      unit: DEAD_LETTER_UNIT,
    };
  }
}
