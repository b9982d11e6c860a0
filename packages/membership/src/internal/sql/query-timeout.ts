/**
 * The query timeout of the SQL drivers (`queryTimeoutMs`): its validation, and the
 * recognition of the drivers' timeout errors, which become `MembershipError('TIMEOUT')`.
 *
 * - PostgreSQL: `pg`'s client-side `query_timeout` ("Query read timeout"), the server's
 *   `statement_timeout` (SQLSTATE 57014, "canceling statement due to statement timeout") and
 *   the pool's connection timeout ("timeout exceeded when trying to connect").
 * - SQLite: `SQLITE_BUSY` once the busy timeout ran out (a writer held its lock that long).
 *
 * @example
 * ```ts
 * const timeoutMs = queryTimeout(options.queryTimeoutMs); // 5000 by default
 * try { await pool.query(text); }
 * catch (e) { throw timeoutError(e, 'postgres', timeoutMs, 'A query') ?? toMembershipError(e, 'postgres', 'A query'); }
 * ```
 * @module
 */
import { MembershipError } from '../../errors.ts';
import type { SqlDialect } from '../../synapse/sql-driver.ts';

/** Default of `queryTimeoutMs`. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** The largest finite `queryTimeoutMs` (the longest delay a timer takes). */
export const MAX_QUERY_TIMEOUT_MS = 2_147_483_647;

/** Checks a `queryTimeoutMs` option: a positive integer up to the timer limit, or `Infinity`. */
export function queryTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_QUERY_TIMEOUT_MS;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_QUERY_TIMEOUT_MS
  ) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `queryTimeoutMs must be a positive integer up to ${MAX_QUERY_TIMEOUT_MS}, or Infinity; got ${String(value)}`,
    );
  }
  return value;
}

interface DriverErrorLike {
  code?: unknown;
  message?: unknown;
}

/** What kind of timeout `error` is, if it is one. */
function timeoutKind(
  error: unknown,
  dialect: SqlDialect,
): 'query' | 'statement' | 'connect' | 'lock' | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as DriverErrorLike;
  const text = typeof message === 'string' ? message : '';
  if (dialect === 'sqlite') return code === 'SQLITE_BUSY' ? 'lock' : undefined;
  if (text === 'Query read timeout') return 'query';
  if (code === '57014' && /statement timeout/.test(text)) return 'statement';
  if (/timeout exceeded when trying to connect|due to connection timeout/.test(text)) {
    return 'connect';
  }
  return undefined;
}

/**
 * `MembershipError('TIMEOUT')` when `error` is a driver's timeout error (see the module
 * docs), with `error` as its cause; `undefined` for any other error.
 */
export function timeoutError(
  error: unknown,
  dialect: SqlDialect,
  timeoutMs: number,
  action: string,
): MembershipError | undefined {
  const kind = timeoutKind(error, dialect);
  if (kind === undefined) return undefined;
  const limit = `${timeoutMs} ms (queryTimeoutMs)`;
  const what = {
    query: `no answer within ${limit}; the query was given up`,
    statement: `the server cancelled the query at its statement_timeout (queryTimeoutMs: ${timeoutMs} ms)`,
    connect: 'no database connection became free in time (the connection timeout)',
    lock: `the database stayed locked by a writer for ${limit}`,
  }[kind];
  return new MembershipError('TIMEOUT', `${action}: ${what}`, { cause: error });
}
