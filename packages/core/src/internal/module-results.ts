/**
 * Checking and merging what routing modules return, with Synapse's rules:
 * - a result that is not a mapping is logged and skipped;
 * - an entry of the wrong type (key not a string, value not a collection of states) is logged
 *   and drops the rest of that module's entries;
 * - a destination that is not a valid user ID (or room ID) is dropped with a warning;
 * - results are unioned per destination and equal states collapse.
 *
 * @example
 * ```ts
 * const merged = new DestinationMerger(logger);
 * merged.addUsers('my_module', await module.getUsersForStates(states));
 * merged.users; // Map<userId, Set<UserPresenceState>>
 * ```
 * @module
 */
import { roomIdProblem, userIdProblem } from '../identifiers.ts';
import type { Logger } from '../logger.ts';
import type { DestinationStates } from '../router-module.ts';
import {
  isUserPresenceStateLike,
  presenceStateKey,
  toUserPresenceState,
  type UserPresenceState,
  type UserPresenceStateFields,
} from '../user-presence-state.ts';

/** Describes a value for a log line without dumping it whole. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    return `an object (${name || tag || 'no prototype'})`;
  }
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 80) ?? ''}`.trim();
}

/** Entries of a module's result mapping, or `undefined` when it is not a mapping. */
export function mappingEntries(value: unknown): Iterable<[unknown, unknown]> | undefined {
  if (value instanceof Map) return value.entries();
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value) || value instanceof Set) return undefined;
  if (typeof (value as { then?: unknown }).then === 'function') return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  return Object.entries(value);
}

/** Arrays, sets and other iterables of states; strings and mappings are not collections of states. */
function isStateCollection(value: unknown): value is Iterable<unknown> {
  if (Array.isArray(value) || value instanceof Set) return true;
  if (typeof value !== 'object' || value === null || value instanceof Map) return false;
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/**
 * Canonical state instances: equal states (by value) map to one instance, so sets of
 * canonical states collapse equal states by identity.
 */
export class StateCanonicalizer {
  readonly #byInstance = new Map<unknown, UserPresenceState>();
  #byKey: Map<string, UserPresenceState> | undefined;
  readonly #seededUsers = new Set<string>();

  /**
   * Registers `states` as canonical (first wins for equal values). Cheap: value keys are only
   * computed once a state that is not one of these instances needs a canonical form.
   */
  seed(states: readonly UserPresenceState[]): void {
    for (const state of states) {
      if (this.#byInstance.has(state)) continue;
      // Equal states have equal user IDs: only a repeated user needs comparing by value.
      if (this.#byKey !== undefined || this.#seededUsers.has(state.userId)) {
        this.canonical(state);
      } else {
        this.#byInstance.set(state, state);
      }
      this.#seededUsers.add(state.userId);
    }
  }

  /** The canonical instance equal to `state`. */
  canonical(state: UserPresenceStateFields): UserPresenceState {
    const found = this.#byInstance.get(state);
    if (found !== undefined) return found;
    if (this.#byKey === undefined) {
      // First miss: index the seeded instances by value (first seeded wins).
      this.#byKey = new Map();
      for (const seeded of this.#byInstance.values()) {
        const key = presenceStateKey(seeded);
        if (!this.#byKey.has(key)) this.#byKey.set(key, seeded);
      }
    }
    const instance = toUserPresenceState(state);
    const key = presenceStateKey(instance);
    let canonical = this.#byKey.get(key);
    if (canonical === undefined) {
      canonical = instance;
      this.#byKey.set(key, canonical);
    }
    this.#byInstance.set(state, canonical);
    return canonical;
  }
}

type DestinationKind = 'user' | 'room';

/** Unions module results per destination user and per destination room. */
export class DestinationMerger {
  /**
   * Destination user ID -> canonical states. Destinations that were given the same collection
   * share one set: treat the sets as read-only.
   */
  readonly users = new Map<string, Set<UserPresenceState>>();
  /** Destination room ID -> canonical states (to be expanded to the room's joined members). */
  readonly rooms = new Map<string, Set<UserPresenceState>>();
  readonly #logger: Logger;
  readonly #canonical: StateCanonicalizer;
  /** Collections already checked -> their canonical states (a module may reuse one list). */
  readonly #checked = new Map<object, Set<UserPresenceState>>();
  /** Per target map: destinations whose set is still shared (copied before it grows). */
  readonly #sharedKeys = new Map<Map<string, Set<UserPresenceState>>, Set<string>>();

  constructor(logger: Logger, canonical: StateCanonicalizer = new StateCanonicalizer()) {
    this.#logger = logger;
    this.#canonical = canonical;
  }

  #sharedKeysOf(target: Map<string, Set<UserPresenceState>>): Set<string> {
    let keys = this.#sharedKeys.get(target);
    if (keys === undefined) {
      keys = new Set();
      this.#sharedKeys.set(target, keys);
    }
    return keys;
  }

  /** Merges a `userId -> states` result; returns how many entries were accepted. */
  addUsers(moduleName: string, result: DestinationStates | unknown): number {
    return this.#add(moduleName, result, 'user', this.users);
  }

  /** Merges a `roomId -> states` result; returns how many entries were accepted. */
  addRooms(moduleName: string, result: DestinationStates | unknown): number {
    return this.#add(moduleName, result, 'room', this.rooms);
  }

  #add(
    moduleName: string,
    result: unknown,
    kind: DestinationKind,
    target: Map<string, Set<UserPresenceState>>,
  ): number {
    const entries = mappingEntries(result);
    if (entries === undefined) {
      this.#logger.warn(
        `Routing module ${moduleName} returned ${describeValue(result)} for ${kind} destinations, expected a Map or a plain object; result skipped`,
        { module: moduleName, kind },
      );
      return 0;
    }
    let accepted = 0;
    for (const [key, value] of entries) {
      if (typeof key !== 'string' || !isStateCollection(value)) {
        this.#logger.warn(
          `Routing module ${moduleName} returned an entry of the wrong type (key ${describeValue(key)}, value ${describeValue(value)}); the rest of its ${kind} destinations are dropped`,
          { module: moduleName, kind },
        );
        return accepted;
      }
      let states = this.#checked.get(value);
      if (states === undefined) {
        const canonical = new Set<UserPresenceState>();
        for (const item of value) {
          if (!isUserPresenceStateLike(item)) {
            this.#logger.warn(
              `Routing module ${moduleName} returned ${describeValue(item)} among the states for ${key}, expected presence states; the rest of its ${kind} destinations are dropped`,
              { module: moduleName, kind, destination: key },
            );
            return accepted;
          }
          try {
            canonical.add(this.#canonical.canonical(item));
          } catch (error) {
            this.#logger.warn(
              `Routing module ${moduleName} returned an invalid presence state for ${key}; the rest of its ${kind} destinations are dropped`,
              { module: moduleName, kind, destination: key, error: String(error) },
            );
            return accepted;
          }
        }
        states = canonical;
        this.#checked.set(value, states);
      }
      const problem = kind === 'user' ? userIdProblem(key) : roomIdProblem(key);
      if (problem !== undefined) {
        this.#logger.warn(
          `Routing module ${moduleName} returned the invalid ${kind} ID ${JSON.stringify(key)} (${problem}); destination dropped`,
          { module: moduleName, kind, destination: key },
        );
        continue;
      }
      const shared = this.#sharedKeysOf(target);
      const existing = target.get(key);
      if (existing === undefined) {
        // Destinations given the same collection share one set until one of them grows.
        target.set(key, states);
        shared.add(key);
      } else {
        let own = existing;
        if (shared.has(key)) {
          own = new Set(existing);
          target.set(key, own);
          shared.delete(key);
        }
        for (const state of states) own.add(state);
      }
      accepted++;
    }
    return accepted;
  }
}
