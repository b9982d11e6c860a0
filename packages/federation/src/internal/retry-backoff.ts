/**
 * Synapse's backoff between attempts to a failing destination
 * (`synapse/util/retryutils.py`): the first failure waits `destination_min_retry_interval`;
 * each further failure multiplies the wait by `destination_retry_multiplier` and a random
 * factor in [0.8, 1.4), up to `destination_max_retry_interval`.
 * @module
 */

/** The three `federation:` settings of Synapse, in milliseconds. */
export interface RetryPolicy {
  readonly minRetryIntervalMs: number;
  readonly maxRetryIntervalMs: number;
  readonly retryMultiplier: number;
}

/** The wait after a failure, given the previous wait (0 when the destination was up). */
export function nextRetryInterval(
  previous: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  if (previous <= 0) return Math.min(policy.minRetryIntervalMs, policy.maxRetryIntervalMs);
  const next = Math.floor(previous * policy.retryMultiplier * (0.8 + 0.6 * random()));
  return Math.min(next, policy.maxRetryIntervalMs);
}

/** Whether an HTTP status means the destination is failing (Synapse backs off on these). */
export function isDestinationFailure(status: number): boolean {
  return status >= 500 || status === 401 || status === 404 || status === 408 || status === 429;
}
