/**
 * `withLookupDeadline(source, { timeoutMs })`: any core `MembershipSource` as a
 * `SettledMembershipSource` whose calls settle within `timeoutMs`, however the source
 * behaves. Per call:
 *
 * - the source answers in time: its answer passes through (a settled source's per-key
 *   `errors` included);
 * - the source rejects in time: every key of the call is in `errors` with that error (a
 *   thrown non-`Error` is wrapped in a `MembershipError`);
 * - the source has not settled after `timeoutMs`: every key of the call is in `errors` with a
 *   `MembershipError` code `TIMEOUT` naming it; the late answer (or rejection) is ignored.
 *
 * The plain `getJoinedMembers` / `getRoomsForUsers` reject when any key failed, with one
 * `MembershipError` listing the failed keys (or the one error all of them share).
 *
 * Only timers are used (`setTimeout` / `clearTimeout` of `globalThis`): the wrapper runs on
 * every runtime core runs on. It cannot stop the wrapped call; pair it with a source whose
 * own timeouts end the work (the HTTP adapter's `lookupTimeoutMs`, the SQL adapter's
 * `queryTimeoutMs`).
 *
 * @example
 * ```ts
 * import { CachedMembership, withLookupDeadline } from '@presence-router/membership';
 *
 * const bounded = withLookupDeadline(mySource, { timeoutMs: 2_000 });
 * const { found, errors } = await bounded.getJoinedMembersSettled(['!a:hs', '!b:hs']);
 * const cache = new CachedMembership(bounded); // stale entries served for the keys that timed out
 * ```
 * @module
 */
import {
  isSettledMembershipSource,
  type MembershipSource,
  type SettledLookup,
  type SettledMembershipSource,
} from '@presence-router/core';
import { MembershipError } from './errors.ts';
import { answerOf, asError } from './internal/settled-lookup.ts';

/** Options of {@link withLookupDeadline}. */
export interface LookupDeadlineOptions {
  /** Milliseconds each call may take before its keys fail with `TIMEOUT`; at least 1. */
  readonly timeoutMs: number;
}

/** The longest delay `setTimeout` takes (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

type Kind = 'room' | 'user';

/** A {@link SettledMembershipSource} in front of `source`; see the module docs. */
class DeadlineMembership implements SettledMembershipSource {
  readonly source: MembershipSource;
  readonly timeoutMs: number;

  constructor(source: MembershipSource, timeoutMs: number) {
    this.source = source;
    this.timeoutMs = timeoutMs;
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return answerOf(await this.getJoinedMembersSettled(roomIds), 'reject', 'room', roomIds.length);
  }

  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return answerOf(await this.getRoomsForUsersSettled(userIds), 'reject', 'user', userIds.length);
  }

  getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup> {
    return this.#settle('room', roomIds);
  }

  getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup> {
    return this.#settle('user', userIds);
  }

  /** Asks the source, as a settled lookup (rejects as the source does). */
  #ask(kind: Kind, ids: readonly string[]): Promise<SettledLookup> {
    const source = this.source;
    if (isSettledMembershipSource(source)) {
      return Promise.resolve(
        kind === 'room' ? source.getJoinedMembersSettled(ids) : source.getRoomsForUsersSettled(ids),
      );
    }
    const plain = kind === 'room' ? source.getJoinedMembers(ids) : source.getRoomsForUsers(ids);
    return Promise.resolve(plain).then((found) => ({ found, errors: new Map() }));
  }

  #settle(kind: Kind, ids: readonly string[]): Promise<SettledLookup> {
    const keys = [...new Set(ids)];
    return new Promise<SettledLookup>((resolve) => {
      let done = false;
      const finish = (settled: SettledLookup): void => {
        if (done) return;
        done = true;
        globalThis.clearTimeout(timer);
        resolve(settled);
      };
      const timer = globalThis.setTimeout(() => finish(this.#timedOut(kind, keys)), this.timeoutMs);
      let asked: Promise<SettledLookup>;
      try {
        asked = this.#ask(kind, ids);
      } catch (thrown) {
        asked = Promise.reject(thrown);
      }
      // Late answers and rejections land here too and are dropped by `finish`.
      asked.then(finish, (thrown: unknown) => finish(failedAll(keys, thrown, kind)));
    });
  }

  #timedOut(kind: Kind, keys: readonly string[]): SettledLookup {
    const errors = new Map<string, Error>();
    for (const key of keys) {
      const what = kind === 'room' ? `the members of ${key}` : `the rooms of ${key}`;
      errors.set(
        key,
        new MembershipError(
          'TIMEOUT',
          `Membership lookup of ${what} did not settle within ${this.timeoutMs} ms (withLookupDeadline timeoutMs); a late answer is ignored`,
          kind === 'room' ? { roomId: key } : {},
        ),
      );
    }
    return { found: new Map(), errors };
  }
}

/** Every key failed with one error (what the source threw). */
function failedAll(keys: readonly string[], thrown: unknown, kind: Kind): SettledLookup {
  const error = asError(thrown, `The membership source failed for ${keys.length} ${kind}(s)`);
  return { found: new Map(), errors: new Map(keys.map((key) => [key, error])) };
}

/**
 * Wraps `source` so that every call settles within `options.timeoutMs`; see the module docs.
 * Throws `MembershipError('INVALID_OPTIONS')` for a source without the two lookup methods or
 * a `timeoutMs` that is not a number from 1 to 2147483647.
 */
export function withLookupDeadline(
  source: MembershipSource,
  options: LookupDeadlineOptions,
): SettledMembershipSource {
  if (
    typeof source?.getJoinedMembers !== 'function' ||
    typeof source.getRoomsForUsers !== 'function'
  ) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      'withLookupDeadline needs a MembershipSource (getJoinedMembers and getRoomsForUsers)',
    );
  }
  const timeoutMs = options?.timeoutMs;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 1 ||
    timeoutMs > MAX_TIMER_MS
  ) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `withLookupDeadline timeoutMs must be a number from 1 to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`,
    );
  }
  return new DeadlineMembership(source, timeoutMs);
}
