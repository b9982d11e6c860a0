/**
 * Test support: the real PostgreSQL server at 127.0.0.1:5432 (database `test`, user root or
 * postgres, trust auth), one fresh schema per caller, dropped afterwards. When the server is
 * missing, tests FAIL under `CI=true` and are skipped loudly otherwise.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { it } from 'vitest';

/** `MEMBERSHIP_TEST_POSTGRES_URL` replaces the defaults (to test the unreachable path, too). */
const CANDIDATE_URLS = process.env.MEMBERSHIP_TEST_POSTGRES_URL
  ? [process.env.MEMBERSHIP_TEST_POSTGRES_URL]
  : ['postgresql://root@127.0.0.1:5432/test', 'postgresql://postgres@127.0.0.1:5432/test'];

/** The first reachable connection string, or the reasons none is. */
export async function probePostgres(): Promise<{ url?: string; problem?: string }> {
  const problems: string[] = [];
  for (const url of CANDIDATE_URLS) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (error) {
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  return { problem: problems.join('; ') };
}

/**
 * Probes PostgreSQL once for a test file. When it is unreachable: registers a failing test
 * under `CI=true`, warns loudly otherwise. Returns the URL, or undefined (skip).
 */
export async function requirePostgres(what: string): Promise<string | undefined> {
  const { url, problem } = await probePostgres();
  if (url !== undefined) return url;
  const message = `The PostgreSQL test server is unreachable, ${what} cannot run (${problem})`;
  if (process.env.CI === 'true') {
    it(`PostgreSQL is reachable (required when CI=true) for ${what}`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(`\n!!! SKIPPED: ${message}\n`);
    it.skip(`${what} (PostgreSQL unreachable: skipped)`, () => {});
  }
  return undefined;
}

/** A fresh schema and a pool whose connections use it as `search_path`. */
export interface TestSchema {
  readonly schema: string;
  readonly pool: pg.Pool;
  /** Ends the pool and drops the schema. */
  drop(): Promise<void>;
}

/** Creates `pr_test_<random>` and a pool bound to it. */
export async function createTestSchema(url: string): Promise<TestSchema> {
  const schema = `pr_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  pool.on('error', () => {});
  let dropped = false;
  return {
    schema,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
