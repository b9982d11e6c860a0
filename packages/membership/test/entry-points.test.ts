/**
 * What each entry point loads, in a fresh Node process under a resolution hook (see
 * `support/module-loads/`): the root loads no `node:` built-in, no package and no native
 * module; `/synapse` loads `node:fs` and no driver until an adapter opens a database, and
 * then only the driver that database needs; `/testing` loads no driver at all; internals
 * cannot be imported.
 */
import { describe, expect, it } from 'vitest';
import { builtinsOf, loadedSource, modulesLoadedBy, packagesOf } from './support/module-loads.ts';
import { createTestSqliteFile } from './support/sqlite.ts';

const DRIVERS = ['better-sqlite3', 'pg'];

describe('@presence-router/membership (the root entry point)', { timeout: 60_000 }, () => {
  it('loads no node: built-in, no package, no native module: core and its own source only', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/membership');");
    expect(loadedSource(loads, 'index.ts')).toBe(true);
    expect(loadedSource(loads, 'in-memory-membership.ts')).toBe(true);
    expect(loads.resolved.some((r) => r.url?.includes('/packages/core/src/index.ts'))).toBe(true);
    expect(builtinsOf(loads)).toEqual([]);
    expect(packagesOf(loads)).toEqual([]);
    expect(loads.resolved.filter((r) => DRIVERS.includes(r.specifier))).toEqual([]);
    expect(loads.resolved.filter((r) => r.url?.endsWith('.node'))).toEqual([]);
    expect(loads.native).toEqual([]);
    expect(loadedSource(loads, 'synapse.ts')).toBe(false);
    expect(loadedSource(loads, 'testing.ts')).toBe(false);
  });
});

describe('@presence-router/membership/synapse', { timeout: 60_000 }, () => {
  it('loads node:fs and no driver until a SQLite adapter opens, then better-sqlite3 alone', async () => {
    const file = await createTestSqliteFile();
    try {
      const loads = await modulesLoadedBy(`
        const { SynapseSqlMembership } = await import('@presence-router/membership/synapse');
        step('imported');
        const sql = new SynapseSqlMembership({ sqlitePath: ${JSON.stringify(file.path)} });
        step('constructed');
        const statuses = await sql.getRoomStatuses(['!room:hs.example']);
        await sql.close();
        console.log(JSON.stringify([...statuses.values()]));
      `);
      for (const before of [loads.upTo('imported'), loads.upTo('constructed')]) {
        expect(builtinsOf(before)).toEqual(['node:fs']);
        expect(packagesOf(before)).toEqual([]);
        expect(before.native).toEqual([]);
      }
      expect(loadedSource(loads.upTo('imported'), 'synapse/synapse-sql.ts')).toBe(true);
      expect(loads.output).toEqual([{ status: 'unknown', joinedCount: 0 }]);
      expect(packagesOf(loads)).toEqual(['better-sqlite3']);
      expect(loads.native).toEqual([expect.stringMatching(/\/better_sqlite3\.node$/)]);
    } finally {
      file.remove();
    }
  });

  it('imports pg, and no native module, when a PostgreSQL URL adapter runs its first query', async () => {
    const loads = await modulesLoadedBy(`
      const { SynapseSqlMembership } = await import('@presence-router/membership/synapse');
      const sql = new SynapseSqlMembership({ postgresUrl: 'postgresql://nobody@127.0.0.1:1/none' });
      step('constructed');
      const error = await sql.getJoinedMembers(['!room:hs.example']).catch((e) => e);
      await sql.close();
      console.log(JSON.stringify(error.code));
    `);
    expect(packagesOf(loads.upTo('constructed'))).toEqual([]);
    // Port 1 refuses the connection: the query failed, after pg was loaded to try it.
    expect(loads.output).toBe('DATABASE_ERROR');
    expect(packagesOf(loads)).toContain('pg');
    expect(packagesOf(loads)).not.toContain('better-sqlite3');
    expect(loads.native).toEqual([]);
  });
});

describe('@presence-router/membership/testing', { timeout: 60_000 }, () => {
  it('loads node:fs/promises (the schema copies) and no driver', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/membership/testing');");
    expect(loadedSource(loads, 'testing/synapse-fixture-writer.ts')).toBe(true);
    expect(builtinsOf(loads)).toEqual(['node:fs/promises']);
    expect(packagesOf(loads)).toEqual([]);
    expect(loads.native).toEqual([]);
  });
});

describe('what each entry point exports', () => {
  it('is the documented set of values (the types are checked by tsc)', async () => {
    expect(Object.keys(await import('../src/index.ts')).sort()).toEqual([
      'CachedMembership',
      'InMemoryMembership',
      'MatrixHttpMembership',
      'MembershipError',
      'PRESENCE_SHARING_EVENT_TYPES',
      'invalidateOnChanges',
      'isPresenceSharingHintSource',
      'isRoomStatusSource',
      'withLookupDeadline',
    ]);
    expect(Object.keys(await import('../src/synapse.ts')).sort()).toEqual([
      'DeltaStreamPoller',
      'SynapseSqlMembership',
      'invalidateOnDelta',
    ]);
    expect(Object.keys(await import('../src/testing.ts')).sort()).toEqual([
      'SynapseFixtureWriter',
      'createSynapseSchema',
    ]);
  });
});

describe('internal modules', { timeout: 60_000 }, () => {
  it('cannot be imported by path, only through the entry points', async () => {
    const loads = await modulesLoadedBy(`
      const codes = [];
      for (const path of ['internal/checked-ids.ts', 'src/errors.ts', 'dist/index.js']) {
        codes.push(await import('@presence-router/membership/' + path).then(() => 'imported', (e) => e.code));
      }
      console.log(JSON.stringify(codes));
    `);
    expect(loads.output).toEqual([
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
      'ERR_PACKAGE_PATH_NOT_EXPORTED',
    ]);
  });
});
