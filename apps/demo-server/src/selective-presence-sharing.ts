/**
 * A user's MSC4495 sharing settings, read from the account data store: the stable type
 * `m.presence.sharing` when stored, else the unstable one; validated again with the package's
 * `parseSharingSettings` (content that no longer validates counts as no settings: nobody).
 *
 * @example
 * ```ts
 * const sharing = new SharingSettingsReader(accountData);
 * const settings = await sharing.settingsOf('@alice:hs'); // undefined: shares with nobody
 * ```
 * @module
 */
import {
  ACCOUNT_DATA_TYPES,
  type PresenceSharingSettings,
  parseSharingSettings,
} from '@presence-router/selective-presence';
import type { AccountDataStore } from './account-data-store.ts';

/** The sharing account data types, stable first. */
export const SHARING_TYPES: readonly string[] = ACCOUNT_DATA_TYPES.sharing;

/** The prompted-list account data types, stable first. */
export const PROMPTED_TYPES: readonly string[] = ACCOUNT_DATA_TYPES.prompted;

/** Reads sharing settings from account data. */
export class SharingSettingsReader {
  readonly #store: AccountDataStore;

  constructor(store: AccountDataStore) {
    this.#store = store;
  }

  /** `userId`'s settings, or undefined (none stored, or no longer valid). */
  async settingsOf(userId: string): Promise<PresenceSharingSettings | undefined> {
    const held = await this.#store.getMany(userId, SHARING_TYPES);
    for (const type of SHARING_TYPES) {
      const json = held.get(type);
      if (json === undefined) continue;
      try {
        return parseSharingSettings(JSON.parse(json));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /** Every user with sharing settings stored. */
  usersWithSettings(): Promise<string[]> {
    return this.#store.usersWith(SHARING_TYPES);
  }
}
