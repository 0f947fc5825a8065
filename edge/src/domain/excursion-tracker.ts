import type { Excursion, TemperatureRange } from "@tally/protocols";

/** A temperature device's excursion settings from the site file (seconds, °C). */
export interface ExcursionSettings {
  graceS: number;
  hysteresisC: number;
  gapS: number;
}

/** What one reading did to a device's excursion. */
export interface ExcursionStep {
  /** Older than the device's latest reading: ignored (integrating backwards in time has no meaning). */
  late: boolean;
  /** The episode this reading ended (back inside by the hysteresis), complete, and whether it had been raised. */
  ended?: { record: Excursion; raised: boolean } | undefined;
  /** An episode began at this reading (its first reading outside the range). */
  started: boolean;
  /** The reading belongs to an open episode (the one that began here included). */
  open: boolean;
  /** The grace period ran out at this reading: the record so far. */
  raised?: Excursion | undefined;
}

interface Episode {
  side: "above" | "below";
  limit: number;
  startedMs: number;
  peak: number;
  /** ∫ |reading − limit| dt outside the range so far, °C·ms. */
  degreeMs: number;
  unknownMs: number;
  raised: boolean;
}

/** The limit a reading breaks and on which side, if any. Inclusive range: a reading on the limit is inside. */
export function limitBroken(
  celsius: number,
  range: TemperatureRange,
): { side: "above" | "below"; limit: number } | undefined {
  if (range.maxC !== undefined && celsius > range.maxC) return { side: "above", limit: range.maxC };
  if (range.minC !== undefined && celsius < range.minC) return { side: "below", limit: range.minC };
  return undefined;
}

/** How far a reading lies outside the episode's limit, °C; 0 inside (the hysteresis band included). */
function excess(episode: Episode, celsius: number): number {
  return Math.max(0, episode.side === "above" ? celsius - episode.limit : episode.limit - celsius);
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * One temperature device's excursions, reading by reading in device time
 * (pure). An episode starts at the first reading outside the range and ends
 * at the first reading back inside by at least the hysteresis; a reading
 * between the limit and the hysteresis keeps it open but adds nothing. It is
 * raised at the first reading outside the range at least `graceS` after its
 * start (an episode that ends sooner is a spike: no raise). Degree-minutes
 * integrate each reading's excess over the time until the next reading
 * (sample and hold, what a data logger reports); an interval longer than
 * `gapS` adds to `unknownS` instead, and still counts in the duration and the
 * grace: a silent sensor is not a fine one. See decision 0135.
 */
export class ExcursionTracker {
  #episode: Episode | undefined;
  #lastMs: number | undefined;
  #lastCelsius = 0;

  constructor(private readonly settings: ExcursionSettings) {}

  step(atMs: number, celsius: number, range: TemperatureRange): ExcursionStep {
    const lastMs = this.#lastMs;
    if (lastMs !== undefined && atMs < lastMs) return { late: true, started: false, open: false };
    const result: ExcursionStep = { late: false, started: false, open: false };
    const episode = this.#episode;
    if (episode !== undefined && lastMs !== undefined) {
      const dt = atMs - lastMs;
      if (dt > this.settings.gapS * 1000) episode.unknownMs += dt;
      else episode.degreeMs += excess(episode, this.#lastCelsius) * dt;
      const back =
        episode.side === "above"
          ? celsius <= episode.limit - this.settings.hysteresisC
          : celsius >= episode.limit + this.settings.hysteresisC;
      if (back) {
        result.ended = { record: this.#record(episode, atMs, atMs), raised: episode.raised };
        this.#episode = undefined;
      } else {
        result.open = true;
        this.#note(episode, celsius);
        if (
          !episode.raised &&
          excess(episode, celsius) > 0 &&
          atMs - episode.startedMs >= this.settings.graceS * 1000
        ) {
          episode.raised = true;
          result.raised = this.#record(episode, atMs);
        }
      }
    }
    if (this.#episode === undefined) {
      // A reading that ends one episode may begin the next (above the max straight to below the min).
      const broken = limitBroken(celsius, range);
      if (broken !== undefined) {
        const next: Episode = { ...broken, startedMs: atMs, peak: celsius, degreeMs: 0, unknownMs: 0, raised: false };
        this.#episode = next;
        result.started = true;
        result.open = true;
        if (this.settings.graceS === 0) {
          next.raised = true;
          result.raised = this.#record(next, atMs);
        }
      }
    }
    this.#lastMs = atMs;
    this.#lastCelsius = celsius;
    return result;
  }

  /** Whether an episode is open (raised or not). */
  open(): boolean {
    return this.#episode !== undefined;
  }

  #note(episode: Episode, celsius: number): void {
    if (episode.side === "above" ? celsius > episode.peak : celsius < episode.peak) episode.peak = celsius;
  }

  #record(episode: Episode, latestMs: number, endedMs?: number): Excursion {
    return {
      startedAt: new Date(episode.startedMs).toISOString(),
      ...(endedMs !== undefined ? { endedAt: new Date(endedMs).toISOString() } : {}),
      side: episode.side,
      limit: episode.limit,
      peak: episode.peak,
      durationS: round3((latestMs - episode.startedMs) / 1000),
      degreeMinutes: round3(episode.degreeMs / 60_000),
      unknownS: round3(episode.unknownMs / 1000),
      graceS: this.settings.graceS,
      hysteresisC: this.settings.hysteresisC,
    };
  }
}
