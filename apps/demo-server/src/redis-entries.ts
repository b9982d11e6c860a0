/**
 * How the Redis store writes states and feed entries, and reads them back.
 *
 * - A stored state (a field of the states hash): `{"seq":N,"state":{seven fields}}`, `seq`
 *   first so the commit script reads it without decoding JSON.
 * - A feed entry (ID `<seq>-0`): `k` = `s` (a state: `o` origin, `n` notify 1/0, `s` state
 *   JSON) or `r` (a snapshot request: `o` origin, `u` users JSON).
 *
 * @example
 * ```ts
 * decodeFeedEntry('12-0', ['k', 's', 'o', 'a', 'n', '1', 's', stateJson]); // { kind: 'state', seq: 12, ... }
 * ```
 * @module
 */
import { UserPresenceState, type UserPresenceStateFields } from '@presence-router/core';
import type { ChangeEntry, StoredPresence } from './presence-store.ts';
import { seqOfFeedId } from './redis-keys.ts';

/** A state as the JSON the store keeps. */
export function encodeState(state: UserPresenceState): string {
  return JSON.stringify(state.toJSON());
}

function decodeState(value: unknown): UserPresenceState {
  return new UserPresenceState(value as UserPresenceStateFields);
}

/** A field of the states hash as a stored state. */
export function decodeStored(value: string): StoredPresence {
  const parsed = JSON.parse(value) as { seq: number; state: unknown };
  return { seq: parsed.seq, state: decodeState(parsed.state) };
}

/** A feed entry; undefined when it is not one the store wrote (it is then skipped). */
export function decodeFeedEntry(id: string, fields: readonly string[]): ChangeEntry | undefined {
  const seq = seqOfFeedId(id);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  try {
    const origin = map.get('o') ?? '';
    switch (map.get('k')) {
      case 's':
        return {
          kind: 'state',
          seq,
          state: decodeState(JSON.parse(map.get('s') ?? 'null')),
          notify: map.get('n') === '1',
          origin,
        };
      case 'r':
        return {
          kind: 'snapshot-request',
          seq,
          users: JSON.parse(map.get('u') ?? '[]') as string[],
          origin,
        };
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** A raw `XRANGE`/`XREAD` entry: `[id, [field, value, ...]]`. */
export type RawFeedEntry = [string, string[]];
