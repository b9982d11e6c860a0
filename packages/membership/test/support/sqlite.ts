/** Test support: a throwaway SQLite file with Synapse's schema, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSynapseSchema } from '../../src/synapse-fixture-writer.ts';

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
