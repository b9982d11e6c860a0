/**
 * Per-room (and per-user) failure reporting for batched membership lookups. Core's
 * `MembershipSource` answers a whole batch or fails it; a source that talks to a remote
 * server can fail for one room and succeed for the others. Such a source also implements
 * core's {@link SettledMembershipSource} (declared in core, re-exported here): its
 * `*Settled` methods answer every key that worked and list the others in `errors`. The cache uses this to serve stale entries for the failing
 * rooms only, and to keep routing the other rooms.
 *
 * The plain `MembershipSource` methods of these sources follow a {@link PartialFailurePolicy}:
 * `'reject'` (default) rejects the batch with one `MembershipError` listing every failed key
 * (its `cause` is an `AggregateError` of the per-key errors); `'omit'` leaves failed keys out
 * of the answer, as if not participating, after reporting each through `onError`.
 *
 * @example
 * ```ts
 * if (isSettledMembershipSource(source)) {
 *   const { found, errors } = await source.getJoinedMembersSettled(['!a:hs', '!b:hs']);
 *   for (const [roomId, error] of errors) console.warn(roomId, error.code);
 * }
 * ```
 * @module
 */
import {
  isSettledMembershipSource,
  type SettledLookup,
  type SettledMembershipSource,
} from '@presence-router/core';
import { MembershipError } from '../errors.ts';

export type { SettledLookup, SettledMembershipSource };
export { isSettledMembershipSource };

/** What to do with keys that failed when answering a plain `MembershipSource` call. */
export type PartialFailurePolicy = 'reject' | 'omit';

/** Checks a {@link PartialFailurePolicy} option; throws `INVALID_OPTIONS`. */
export function partialFailurePolicy(value: unknown): PartialFailurePolicy {
  if (value === undefined) return 'reject';
  if (value === 'reject' || value === 'omit') return value;
  throw new MembershipError(
    'INVALID_OPTIONS',
    `onPartialFailure must be 'reject' or 'omit', got ${JSON.stringify(value)}`,
  );
}

/**
 * One error for a batch in which some keys failed. When every failed key failed with the same
 * error (one batch-wide failure, or a single key), that error itself. Otherwise a
 * `MembershipError` whose message lists the keys, whose `cause` is an `AggregateError` of the
 * per-key errors, and whose code is the first `MembershipError`'s (`SERVER_ERROR` when none
 * is one); `roomId` is set when exactly one room failed.
 */
export function batchFailure(
  kind: 'room' | 'user',
  errors: ReadonlyMap<string, Error>,
  batchSize: number,
): Error {
  const list = [...errors.values()];
  const first = list[0];
  if (first === undefined) throw new RangeError('batchFailure needs at least one error');
  if (list.every((error) => error === first)) return first;
  const firstMembershipError = list.find((error) => error instanceof MembershipError);
  const shown = [...errors]
    .slice(0, 5)
    .map(
      ([key, error]) =>
        `${key} (${error instanceof MembershipError ? `${error.code}: ` : ''}${error.message})`,
    )
    .join('; ');
  const more = errors.size > 5 ? `; and ${errors.size - 5} more` : '';
  const single = list.length === 1 ? first : undefined;
  return new MembershipError(
    firstMembershipError?.code ?? 'SERVER_ERROR',
    `Membership lookup failed for ${errors.size} of ${batchSize} ${kind}${batchSize === 1 ? '' : 's'}: ${shown}${more}`,
    {
      ...(kind === 'room' && single instanceof MembershipError && single.roomId !== undefined
        ? { roomId: single.roomId }
        : {}),
      cause: new AggregateError(list, `${errors.size} ${kind} lookup(s) failed`),
    },
  );
}

/** A `MembershipError` for anything thrown that is not an `Error`; `Error`s pass unchanged. */
export function asError(thrown: unknown, what: string): Error {
  if (thrown instanceof Error) return thrown;
  return new MembershipError('SERVER_ERROR', `${what}: ${String(thrown)}`, { cause: thrown });
}

/**
 * The plain answer of a settled lookup under `policy`: rejects with {@link batchFailure} under
 * `'reject'` when a key failed; under `'omit'` failed keys are simply absent.
 */
export function answerOf(
  settled: SettledLookup,
  policy: PartialFailurePolicy,
  kind: 'room' | 'user',
  batchSize: number,
): ReadonlyMap<string, readonly string[]> {
  if (settled.errors.size > 0 && policy === 'reject') {
    throw batchFailure(kind, settled.errors, batchSize);
  }
  return settled.found;
}
