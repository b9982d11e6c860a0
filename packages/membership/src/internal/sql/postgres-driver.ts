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
 * A pool the caller hands in needs nothing more. For a connection string, `pg` (an optional
 * peer dependency) is imported when the first query runs, and the pool created then; without
 * `pg` installed, that query fails with `DEPENDENCY_MISSING`.
 *
 * @example
 * ```ts
 * const driver = openPostgresDriver({ connectionString: 'postgresql://synapse_ro@127.0.0.1/synapse' });
 * ```
 * @module
 */
import type pg from 'pg';
import { MembershipError } from '../../errors.ts';
import type { SqlDriver, SqlParam } from '../../synapse/sql-driver.ts';
import { toMembershipError } from './driver-errors.ts';
import { loadPg, type PgModule } from './optional-dependencies.ts';
import { queryTimeout, timeoutError } from './query-timeout.ts';
import { IN_LIST } from './synapse-sql-queries.ts';

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

/** Creates the pool a driver owns, once `pg` is loaded. */
type PoolFactory = () => Promise<pg.Pool>;

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  /** The pool: the caller's, or the owned one once created. */
  #pool: pg.Pool | undefined;
  /** Creates the owned pool; `undefined` for the caller's pool. */
  readonly #createPool: PoolFactory | undefined;
  /** The owned pool being created (the first queries wait for it). */
  #creating: Promise<pg.Pool> | undefined;
  #closed = false;

  constructor(pool: pg.Pool | PoolFactory, timeoutMs: number) {
    this.#owned = typeof pool === 'function';
    if (typeof pool === 'function') this.#createPool = pool;
    else this.#pool = pool;
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
    if (!this.#owned) return;
    const pool = this.#pool ?? (await this.#creating?.catch(() => undefined));
    await pool?.end();
  }

  /** The pool, creating the owned one on first use. */
  #poolNow(): Promise<pg.Pool> {
    if (this.#pool !== undefined) return Promise.resolve(this.#pool);
    const create = this.#createPool as PoolFactory;
    this.#creating ??= create().then(
      (pool) => {
        this.#pool = pool;
        this.#creating = undefined;
        return pool;
      },
      (error: unknown) => {
        this.#creating = undefined; // the next query tries again
        throw error;
      },
    );
    return this.#creating;
  }

  async #query<Row>(text: string, values: unknown[]): Promise<Row[]> {
    if (this.#closed) throw this.#closedError();
    const pool = await this.#poolNow();
    if (this.#closed) throw this.#closedError();
    const config: pg.QueryConfig & { query_timeout?: number } = { text, values };
    if (Number.isFinite(this.#timeoutMs)) config.query_timeout = this.#timeoutMs;
    try {
      const result = await pool.query(config);
      return result.rows as Row[];
    } catch (error) {
      const action = 'A PostgreSQL membership query failed';
      throw (
        timeoutError(error, 'postgres', this.#timeoutMs, action) ??
        toMembershipError(error, 'postgres', action)
      );
    }
  }

  #closedError(): MembershipError {
    return new MembershipError('CLOSED', 'The PostgreSQL membership source is closed');
  }
}

/**
 * Opens a PostgreSQL {@link SqlDriver}. Throws `MembershipError('INVALID_OPTIONS')` on bad
 * options; `loadDriver` imports `pg` (for a connection string only).
 */
export function openPostgresDriver(
  options: PostgresDriverOptions,
  loadDriver: () => Promise<PgModule> = loadPg,
): SqlDriver {
  const timeoutMs = queryTimeout(options.queryTimeoutMs);
  if (options.pool !== undefined) return new PostgresDriver(options.pool, timeoutMs);
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
  return new PostgresDriver(async () => {
    const { Pool } = await loadDriver();
    const pool = new Pool({ connectionString: url, max, ...limits });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return pool;
  }, timeoutMs);
}
