/**
 * The PostgreSQL side of {@link SqlDriver}, over a pooled `pg.Pool`. A list of IDs is one
 * parameter (`= ANY($1::text[])`): one round trip per call, however many IDs.
 *
 * Every query is bounded by `queryTimeoutMs` (default 5 s), so a stuck query (a lock held by
 * someone else, an overloaded or unreachable server) fails with `MembershipError('TIMEOUT')`
 * instead of hanging: `pg`'s client-side `query_timeout` on every query; on a pool the driver
 * creates, also the server-side `statement_timeout` (the server stops the work) and the
 * pool's `connectionTimeoutMillis` (waiting for a connection).
 *
 * @example
 * ```ts
 * const driver = openPostgresDriver({ connectionString: 'postgresql://synapse_ro@127.0.0.1/synapse' });
 * ```
 * @module
 */
import pg from 'pg';
import { MembershipError } from '../errors.ts';
import { queryTimeout, timeoutError } from './query-timeout.ts';
import type { SqlDriver, SqlParam } from './sql-driver.ts';
import { IN_LIST, toMembershipError } from './sql-driver.ts';

/** Options of {@link openPostgresDriver}. */
export interface PostgresDriverOptions {
  /** A `postgresql://` connection string; a pool is created and owned by the driver. */
  readonly connectionString?: string;
  /** Connections of the owned pool; default 4. */
  readonly maxConnections?: number;
  /** A pool to use instead; the caller keeps ownership (not ended on close). */
  readonly pool?: pg.Pool;
  /**
   * How long one query may take: a positive integer of ms, or `Infinity` for no limit.
   * Default 5000. See the module docs for what it sets.
   */
  readonly queryTimeoutMs?: number;
}

/** Rewrites `?` placeholders as `$1`, `$2`, ... (our queries hold no `?` in literals). */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(pool: pg.Pool, owned: boolean, timeoutMs: number) {
    this.#pool = pool;
    this.#owned = owned;
    this.#timeoutMs = timeoutMs;
  }

  async select<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return this.#query<Row>(numberPlaceholders(sql), [...params]);
  }

  async selectByList<Row>(sql: string, list: readonly string[]): Promise<Row[]> {
    if (list.length === 0) return [];
    const text = numberPlaceholders(sql.replace(IN_LIST, '= ANY(?::text[])'));
    return this.#query<Row>(text, [[...new Set(list)]]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#pool.end();
  }

  async #query<Row>(text: string, values: unknown[]): Promise<Row[]> {
    if (this.#closed)
      throw new MembershipError('CLOSED', 'The PostgreSQL membership source is closed');
    const config: pg.QueryConfig & { query_timeout?: number } = { text, values };
    if (Number.isFinite(this.#timeoutMs)) config.query_timeout = this.#timeoutMs;
    try {
      const result = await this.#pool.query(config);
      return result.rows as Row[];
    } catch (error) {
      const action = 'A PostgreSQL membership query failed';
      throw (
        timeoutError(error, 'postgres', this.#timeoutMs, action) ??
        toMembershipError(error, 'postgres', action)
      );
    }
  }
}

/** Opens a PostgreSQL {@link SqlDriver}. Throws `MembershipError('INVALID_OPTIONS')` on bad options. */
export function openPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  const timeoutMs = queryTimeout(options.queryTimeoutMs);
  if (options.pool !== undefined) return new PostgresDriver(options.pool, false, timeoutMs);
  const url = options.connectionString;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      'The PostgreSQL membership source needs a connection string like postgresql://user@host:5432/synapse',
    );
  }
  const max = options.maxConnections ?? 4;
  if (!Number.isInteger(max) || max < 1) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `maxConnections must be a positive integer, got ${String(max)}`,
    );
  }
  const limits = Number.isFinite(timeoutMs)
    ? { statement_timeout: timeoutMs, query_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs }
    : {};
  const pool = new pg.Pool({ connectionString: url, max, ...limits });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return new PostgresDriver(pool, true, timeoutMs);
}
