/**
 * The benchmark's one error type: {@link BenchError}, with a string `code` and the scenario
 * (and implementation) it concerns.
 *
 * @example
 * ```ts
 * throw new BenchError('DISAGREEMENT', 'engine and naive differ on @u1:bench.test', { scenario: 'pareto-20k' });
 * ```
 * @module
 */

/** What went wrong. */
export type BenchErrorCode =
  /** A workload or scenario option is out of range. */
  | 'INVALID_OPTION'
  /** Two implementations disagree on recipients or states. */
  | 'DISAGREEMENT'
  /** A scenario run in a child process failed or wrote no result. */
  | 'SCENARIO_FAILED'
  /** The command line could not be understood. */
  | 'USAGE';

/** Options of {@link BenchError}. */
export interface BenchErrorOptions {
  readonly scenario?: string | undefined;
  readonly implementation?: string | undefined;
  readonly cause?: unknown;
}

/** An error of the benchmark suite. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
  readonly code: BenchErrorCode;
  /** The scenario being run, when known. */
  readonly scenario: string | undefined;
  /** The implementation concerned, when known. */
  readonly implementation: string | undefined;

  constructor(code: BenchErrorCode, message: string, options: BenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.scenario = options.scenario;
    this.implementation = options.implementation;
  }
}
