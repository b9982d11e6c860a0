/**
 * What a source that can fail for some keys of a batch only (the HTTP adapter, the cache)
 * does in its plain `MembershipSource` methods when some keys failed. Its `*Settled`
 * methods always answer every key that worked and list the others in `errors`.
 *
 * @example
 * ```ts
 * const cache = new CachedMembership(http, { onPartialFailure: 'omit' });
 * ```
 * @module
 */

/**
 * `'reject'` (the default): the batch rejects with one `MembershipError` listing every failed
 * key (its `cause` an `AggregateError` of the per-key errors). `'omit'`: failed keys are left
 * out of the answer, as if not participated in, after each was reported through `onError`.
 */
export type PartialFailurePolicy = 'reject' | 'omit';
