/**
 * The benchmark's one error type: {@link BenchError}, a core `PresenceRouterError` with the
 * scenario (and implementation) it concerns. Codes follow the project's pattern:
 * `INVALID_<WHAT>` for bad input, `<WHAT>_FAILED` for failures.
 *
 * @example
 * ```ts
 * throw new BenchError('DISAGREEMENT', 'engine and naive differ on @u1:bench.test', { scenario: 'pareto-20k' });
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** What went wrong. */
export type BenchErrorCode =
  /** A workload or scenario option is out of range. */
  | 'INVALID_OPTION'
  /** The command line could not be understood. */
  | 'INVALID_USAGE'
  /** Two implementations disagree on recipients or states. */
  | 'DISAGREEMENT'
  /** A scenario run in a child process failed or wrote no result. */
  | 'SCENARIO_FAILED';

/** Options of {@link BenchError}. */
export interface BenchErrorOptions {
  readonly scenario?: string | undefined;
  readonly implementation?: string | undefined;
  readonly cause?: unknown;
}

/** An error of the benchmark suite. */
export class BenchError extends PresenceRouterError<BenchErrorCode> {
  override readonly name = 'BenchError';
  /** The scenario being run, when known. */
  readonly scenario: string | undefined;
  /** The implementation concerned, when known. */
  readonly implementation: string | undefined;

  constructor(code: BenchErrorCode, message: string, options: BenchErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    this.scenario = options.scenario;
    this.implementation = options.implementation;
  }
}
