/**
 * Account data in this process's memory: the default, lost on restart (as memory presence
 * is). See `account-data-store.ts` for the contract.
 *
 * @example
 * ```ts
 * const store = new MemoryAccountDataStore();
 * await store.put('@alice:hs', 'm.presence.sharing', '{}');
 * ```
 * @module
 */
import type { AccountDataStore } from './account-data-store.ts';

/** An {@link AccountDataStore} in a map. */
export class MemoryAccountDataStore implements AccountDataStore {
  readonly #data = new Map<string, Map<string, string>>();

  async put(userId: string, type: string, json: string): Promise<void> {
    let types = this.#data.get(userId);
    if (types === undefined) {
      types = new Map();
      this.#data.set(userId, types);
    }
    types.set(type, json);
  }

  async get(userId: string, type: string): Promise<string | undefined> {
    return this.#data.get(userId)?.get(type);
  }

  async getMany(userId: string, types: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const found = new Map<string, string>();
    const held = this.#data.get(userId);
    for (const type of types) {
      const json = held?.get(type);
      if (json !== undefined) found.set(type, json);
    }
    return found;
  }

  async usersWith(types: readonly string[]): Promise<string[]> {
    const users: string[] = [];
    for (const [userId, held] of this.#data) {
      if (types.some((type) => held.has(type))) users.push(userId);
    }
    return users;
  }

  async close(): Promise<void> {}
}
