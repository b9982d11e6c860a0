/**
 * `@presence-router/membership/synapse`: membership read straight from a Synapse homeserver's
 * database, SQLite or PostgreSQL, and the invalidation feed that follows its changes.
 *
 * The drivers are optional peer dependencies, imported only when an adapter opens a database
 * that needs one: `better-sqlite3` for `sqlitePath` (`npm install better-sqlite3@12`), `pg`
 * for `postgresUrl` (`npm install pg@8`). Importing this entry point loads neither; a missing
 * one fails `open()` with `MembershipError('DEPENDENCY_MISSING')` naming what to install.
 *
 * @example
 * ```ts
 * import { CachedMembership } from '@presence-router/membership';
 * import {
 *   DeltaStreamPoller,
 *   invalidateOnDelta,
 *   SynapseSqlMembership,
 * } from '@presence-router/membership/synapse';
 *
 * const sql = await SynapseSqlMembership.open({ sqlitePath: '/data/homeserver.db' });
 * const cache = new CachedMembership(sql, { ttlMs: Number.POSITIVE_INFINITY });
 * const poller = new DeltaStreamPoller({
 *   driver: sql.driver,
 *   serverName: 'hs.example',
 *   onDelta: invalidateOnDelta(cache),
 * });
 * await poller.start();
 * ```
 * @module
 */

/** What {@link invalidateOnDelta} reads of a delta. */
export type { MembershipDeltaLike } from './synapse/delta-invalidation.ts';
/** The `onDelta` callback that keeps a `CachedMembership` in step with the database. */
export { invalidateOnDelta } from './synapse/delta-invalidation.ts';
/** Options of {@link DeltaStreamPoller}, and what each poll reports. */
export type { DeltaStreamPollerOptions, MembershipDelta } from './synapse/delta-stream-poller.ts';
/** Polls `current_state_delta_stream` for membership changes (and database file changes). */
export { DeltaStreamPoller } from './synapse/delta-stream-poller.ts';
/** The database connection of an adapter (`SynapseSqlMembership#driver`), and file changes. */
export type { DatabaseFileChange, SqlDriver } from './synapse/sql-driver.ts';
/** Where the Synapse database is, and the adapter's limits. */
export type { SynapseSqlOptions } from './synapse/synapse-sql.ts';
/** A read-only membership source over Synapse's own tables. */
export { SynapseSqlMembership } from './synapse/synapse-sql.ts';
