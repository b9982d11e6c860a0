/**
 * `@presence-router/membership/testing`: test and demo tooling. `createSynapseSchema` creates
 * Synapse's membership tables in an empty database, and `SynapseFixtureWriter` writes
 * membership changes exactly the way Synapse does, on a `better-sqlite3` database or a `pg`
 * pool or client you open (this entry point imports neither driver). **Never point it at a
 * production homeserver database**: it writes to the tables Synapse owns.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSynapseSchema, SynapseFixtureWriter } from '@presence-router/membership/testing';
 *
 * const db = new Database('/tmp/demo-homeserver.db');
 * await createSynapseSchema(db);
 * const writer = new SynapseFixtureWriter(db, { serverName: 'hs.example' });
 * await writer.join('!room:hs.example', '@alice:hs.example', { displayName: 'Alice' });
 * ```
 * @module
 */

/** The databases it writes to, and the options of events and of the writer. */
export type {
  FixtureDatabase,
  MemberEventOptions,
  SynapseFixtureWriterOptions,
} from './testing/synapse-fixture-writer.ts';
/** Creates Synapse's membership tables; writes membership changes as Synapse does. */
export { createSynapseSchema, SynapseFixtureWriter } from './testing/synapse-fixture-writer.ts';
