/**
 * A clock two processes on one machine can compare: `process.hrtime` reads the system's
 * monotonic clock (`CLOCK_MONOTONIC` on Linux, `mach_absolute_time` on macOS), which every
 * process shares, unlike `performance.now()` (relative to each process's start). The
 * federation benchmark stamps a state when it is handed to the sender and again when the
 * receiving process applies it, and subtracts the two.
 *
 * @example
 * ```ts
 * const sentAt = monotonicMs();
 * // ... in another process: appliedAt = monotonicMs()
 * const latencyMs = appliedAt - sentAt;
 * ```
 * @module
 */

/** Milliseconds of the system's monotonic clock (sub-microsecond resolution). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
