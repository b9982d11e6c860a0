/**
 * Combining a request's own abort signal with a timeout.
 * @module
 */

/** The request's own signal combined with a timeout, where the platform has both helpers. */
export function requestSignal(
  own: AbortSignal | undefined,
  timeoutMs: number,
): AbortSignal | undefined {
  const statics = AbortSignal as {
    timeout?: (ms: number) => AbortSignal;
    any?: (signals: AbortSignal[]) => AbortSignal;
  };
  const timeout = statics.timeout?.(timeoutMs);
  if (own === undefined) return timeout;
  if (timeout === undefined || statics.any === undefined) return own;
  return statics.any([own, timeout]);
}
