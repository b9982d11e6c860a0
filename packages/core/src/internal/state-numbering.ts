/**
 * Numbers presence states for the hot path: state `i` of a batch is number `i`; any other
 * state a routing module returns gets the next free number on first sight.
 *
 * @example
 * ```ts
 * const numbering = new StateNumbering(batch);
 * numbering.numberOf(batch[2]!); // 2
 * numbering.numberOf(fromModule); // batch.length, then batch.length + 1, ...
 * numbering.states; // the batch followed by the other states, indexed by number
 * ```
 * @module
 */
import type { UserPresenceState } from '../user-presence-state.ts';

/** Assigns dense numbers to state instances, the batch first. */
export class StateNumbering {
  readonly #states: UserPresenceState[];
  #index: Map<UserPresenceState, number> | undefined;

  constructor(batch: readonly UserPresenceState[] = []) {
    this.#states = batch.slice();
  }

  /** Every numbered state, indexed by its number. */
  get states(): readonly UserPresenceState[] {
    return this.#states;
  }

  /** The number of `state`, assigned on first sight (the index is built on first need). */
  numberOf(state: UserPresenceState): number {
    if (this.#index === undefined) this.#index = new Map(this.#states.map((s, i) => [s, i]));
    let number = this.#index.get(state);
    if (number === undefined) {
      number = this.#states.length;
      this.#states.push(state);
      this.#index.set(state, number);
    }
    return number;
  }
}
