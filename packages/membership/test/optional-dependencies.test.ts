/**
 * The SQL drivers are optional peer dependencies: without them, the adapter that needs one
 * fails with `DEPENDENCY_MISSING` naming what to install, and the others still work. End to
 * end in a Node process where `better-sqlite3` and `pg` do not resolve (as when they are
 * not installed), and the error itself with an injected importer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MembershipError } from '../src/index.ts';
import {
  BETTER_SQLITE3,
  loadOptionalDependency,
  PG,
} from '../src/internal/sql/optional-dependencies.ts';
import { modulesLoadedBy, packagesOf } from './support/module-loads.ts';

/** What Node throws for a package that is not installed. */
function notFound(name: string): Error {
  const error = new Error(`Cannot find package '${name}' imported from /app/index.js`);
  Object.assign(error, { code: 'ERR_MODULE_NOT_FOUND' });
  return error;
}

async function failure(promise: Promise<unknown>): Promise<MembershipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MembershipError);
  return error as MembershipError;
}

describe('a Synapse adapter without its driver installed', { timeout: 60_000 }, () => {
  it('fails to open with DEPENDENCY_MISSING naming the package and how to install it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pr-no-drivers-'));
    try {
      const path = join(dir, 'homeserver.db');
      writeFileSync(path, '');
      const loads = await modulesLoadedBy(
        `
        const { SynapseSqlMembership } = await import('@presence-router/membership/synapse');
        const outcome = (options) => SynapseSqlMembership.open(options).then(
          async (sql) => { await sql.close(); return 'opened'; },
          (e) => ({ name: e.name, code: e.code, message: e.message }),
        );
        // A pool handed in needs no pg: this one answers the schema check with no rows.
        const pool = { query: async () => ({ rows: [] }) };
        console.log(JSON.stringify({
          sqlite: await outcome({ sqlitePath: ${JSON.stringify(path)} }),
          postgres: await outcome({ postgresUrl: 'postgresql://nobody@127.0.0.1:1/none' }),
          pool: await outcome({ postgresPool: pool }),
        }));
      `,
        { hide: ['better-sqlite3', 'pg'] },
      );
      expect(loads.hidden).toEqual(['better-sqlite3', 'pg']);
      expect(packagesOf(loads)).toEqual([]);
      expect(loads.output).toEqual({
        sqlite: {
          name: 'MembershipError',
          code: 'DEPENDENCY_MISSING',
          message: expect.stringContaining(
            'better-sqlite3 is not installed: install better-sqlite3 (npm install better-sqlite3@12) to read a Synapse SQLite database',
          ),
        },
        postgres: {
          name: 'MembershipError',
          code: 'DEPENDENCY_MISSING',
          message: expect.stringContaining(
            'pg is not installed: install pg (npm install pg@8) to read a Synapse PostgreSQL database',
          ),
        },
        pool: 'opened',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadOptionalDependency', () => {
  it('returns the module the importer gives', async () => {
    const module = { default: 'the driver' };
    await expect(loadOptionalDependency(PG, async () => module)).resolves.toBe(module);
  });

  it('turns a package that cannot be found into DEPENDENCY_MISSING, with the cause', async () => {
    const cause = notFound('better-sqlite3');
    const error = await failure(
      loadOptionalDependency(BETTER_SQLITE3, () => Promise.reject(cause)),
    );
    expect(error.code).toBe('DEPENDENCY_MISSING');
    expect(error.message).toBe(
      'better-sqlite3 is not installed: install better-sqlite3 (npm install better-sqlite3@12) to read a Synapse SQLite database (sqlitePath); it is an optional peer dependency of @presence-router/membership',
    );
    expect(error.cause).toBe(cause);
  });

  it('says "cannot be loaded" when the package is there but fails (a native build, a module it needs)', async () => {
    const abi = new Error('was compiled against a different Node.js version');
    const abiError = await failure(
      loadOptionalDependency(BETTER_SQLITE3, () => Promise.reject(abi)),
    );
    expect(abiError.code).toBe('DEPENDENCY_MISSING');
    expect(abiError.message).toMatch(
      /^better-sqlite3 is installed but cannot be loaded \(was compiled against a different Node\.js version\): reinstall better-sqlite3 .*npm rebuild better-sqlite3/,
    );
    const transitive = await failure(
      loadOptionalDependency(PG, () => Promise.reject(notFound('pg-types'))),
    );
    expect(transitive.message).toMatch(
      /^pg is installed but cannot be loaded \(Cannot find package 'pg-types'/,
    );
  });
});
