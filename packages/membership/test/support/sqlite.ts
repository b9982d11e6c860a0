/**
 * Test support: a throwaway SQLite file with Synapse's schema, removed afterwards, and
 * stand-alone Synapse database files (to replace a database under a running adapter).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSynapseSchema, SynapseFixtureWriter } from '../../src/testing.ts';

/** A writable database (for the fixture writer) at `path`; the adapter opens `path` read-only. */
export interface TestSqliteFile {
  readonly path: string;
  readonly db: Database.Database;
  /** Closes the writer connection and deletes the file. */
  remove(): void;
}

/** Creates a temporary SQLite file holding Synapse's schema. */
export async function createTestSqliteFile(): Promise<TestSqliteFile> {
  const dir = mkdtempSync(join(tmpdir(), 'pr-membership-'));
  const path = join(dir, 'homeserver.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  await createSynapseSchema(db);
  return {
    path,
    db,
    remove() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes a complete Synapse-schema SQLite file at `path` (rollback journal, not WAL, so the
 * file stands alone) with what `build` writes, and closes it: a database prepared the way an
 * operator would prepare a replacement.
 */
export async function writeSynapseSqliteFile(
  path: string,
  serverName: string,
  build: (writer: SynapseFixtureWriter) => Promise<void>,
): Promise<void> {
  const db = new Database(path);
  try {
    await createSynapseSchema(db);
    await build(new SynapseFixtureWriter(db, { serverName }));
  } finally {
    db.close();
  }
}
