import type { DeadLetter } from "./adapters/mqtt-device-source.js";

/** How many dead letters wait for the device broker at most; later ones before it is up are dropped. */
export const EARLY_DEAD_LETTERS_KEPT = 1000;

/**
 * Where the edge's dead letters go: out on the device broker, which starts after the uplink (and the journal's
 * replay). Until it is connected they wait here, the first {@link EARLY_DEAD_LETTERS_KEPT} of them.
 */
export class DeadLetterOutlet {
  readonly #early: DeadLetter[] = [];
  #publish: ((letter: DeadLetter) => void) | undefined;

  readonly publish = (letter: DeadLetter): void => {
    if (this.#publish !== undefined) this.#publish(letter);
    else if (this.#early.length < EARLY_DEAD_LETTERS_KEPT) this.#early.push(letter);
  };

  /** From now on letters go to `publish`; those that waited go first, in order. */
  connect(publish: (letter: DeadLetter) => void): void {
    this.#publish = publish;
    for (const letter of this.#early.splice(0)) publish(letter);
  }
}
