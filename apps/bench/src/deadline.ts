/**
 * {@link withDeadline}: bounds a wait in time, so that a benchmark step that stops making
 * progress (a transaction that is never answered, a child process that hangs) fails the
 * scenario with a `BenchError` instead of hanging the run.
 *
 * @example
 * ```ts
 * await withDeadline(sender.idle(), 120_000, 'full to 100: the last transactions');
 * ```
 * @module
 */
import { BenchError } from './errors.ts';

/** `promise`, or a `SCENARIO_FAILED` `BenchError` naming `what` once `ms` have passed. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BenchError('SCENARIO_FAILED', `${what}: not done after ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
