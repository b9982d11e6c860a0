/**
 * The helpers of sources that report failures per key (core's `SettledMembershipSource`):
 * checking the `onPartialFailure` option, turning a settled answer into the answer of a plain
 * `MembershipSource` call under that {@link PartialFailurePolicy}, and the one error of a
 * batch in which some keys failed.
 *
 * @example
 * ```ts
 * const policy = partialFailurePolicy(options.onPartialFailure); // 'reject' by default
 * const settled = await source.getJoinedMembersSettled(roomIds);
 * return answerOf(settled, policy, 'room', roomIds.length); // rejects when a room failed
 * ```
 * @module
 */
import type { SettledLookup } from '@presence-router/core';
import { MembershipError } from '../errors.ts';
import type { PartialFailurePolicy } from '../partial-failure-policy.ts';

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
