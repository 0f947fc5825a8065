import type { Logger } from "pino";

/**
 * How the edge stops: what was opened is closed in reverse, once, whoever asks; and when the edge can no
 * longer keep what devices give it, it says so, closes, and settles `failed` for a supervisor to restart it.
 */
export class EdgeShutdown {
  /** Where each part's close is pushed as soon as it is open (closed in reverse). */
  readonly closers: (() => Promise<void>)[] = [];
  /** Settles once the edge stopped on its own, after everything is closed. */
  readonly failed: Promise<Error>;
  #closing: Promise<void> | undefined;
  #reportFailure: (error: Error) => void = () => undefined;

  constructor(private readonly logger: Logger) {
    this.failed = new Promise<Error>((resolve) => {
      this.#reportFailure = resolve;
    });
  }

  /** Closes everything opened, last first; an error is logged and the rest are closed all the same. */
  readonly close = (): Promise<void> => {
    this.#closing ??= (async () => {
      for (const closeOne of this.closers.reverse()) {
        try {
          await closeOne();
        } catch (error) {
          this.logger.warn({ err: (error as Error).message }, "error while closing");
        }
      }
    })();
    return this.#closing;
  };

  /** The edge can no longer keep what devices give it: it says so and stops, for a supervisor to restart it. */
  readonly stopOnFailure = (what: string, error: Error): void => {
    if (this.#closing !== undefined) return;
    this.logger.fatal(
      { err: error.message },
      `${what}: the edge stops (restart it; the journal replays what it holds)`,
    );
    void this.close().then(() => this.#reportFailure(error));
  };
}
