/** SQLite specifics of SynapseSqlMembership: options, read-only opening, chunked lists. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MembershipError } from '../src/index.ts';
import { SynapseSqlMembership } from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import type { TestSqliteFile } from './support/sqlite.ts';
import { createTestSqliteFile } from './support/sqlite.ts';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function file(): Promise<TestSqliteFile> {
  const made = await createTestSqliteFile();
  cleanups.push(() => made.remove());
  return made;
}

function optionsError(make: () => unknown): MembershipError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(MembershipError);
    return error as MembershipError;
  }
  throw new Error('expected a MembershipError');
}

describe('SynapseSqlMembership options', () => {
  it('needs exactly one database', () => {
    expect(optionsError(() => new SynapseSqlMembership({})).code).toBe('INVALID_OPTIONS');
    const both = optionsError(
      () => new SynapseSqlMembership({ sqlitePath: '/x.db', postgresUrl: 'postgresql://h/d' }),
    );
    expect(both.code).toBe('INVALID_OPTIONS');
    expect(both.message).toContain('sqlitePath, postgresUrl');
  });

  it('refuses a SQLite path that does not exist, naming it', () => {
    const error = optionsError(
      () => new SynapseSqlMembership({ sqlitePath: '/nonexistent/homeserver.db' }),
    );
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toContain('/nonexistent/homeserver.db');
  });

  it('refuses chunk sizes beyond SQLite limits', async () => {
    const { path } = await file();
    expect(
      optionsError(() => new SynapseSqlMembership({ sqlitePath: path, sqliteChunkSize: 0 })).code,
    ).toBe('INVALID_OPTIONS');
    expect(
      optionsError(() => new SynapseSqlMembership({ sqlitePath: path, sqliteChunkSize: 40_000 }))
        .code,
    ).toBe('INVALID_OPTIONS');
  });

  it('refuses a PostgreSQL URL that is not one', () => {
    expect(optionsError(() => new SynapseSqlMembership({ postgresUrl: 'mysql://h/d' })).code).toBe(
      'INVALID_OPTIONS',
    );
  });

  it('reports a database without Synapse tables as SCHEMA_MISMATCH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pr-empty-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'empty.db');
    new Database(path).close();
    const error = await SynapseSqlMembership.open({ sqlitePath: path }).catch((e: unknown) => e);
    expect((error as MembershipError).code).toBe('SCHEMA_MISMATCH');
    expect((error as MembershipError).message).toContain('rooms');
  });
});

describe('SynapseSqlMembership on a SQLite file', () => {
  it('opens an existing file read-only', async () => {
    const { path, db } = await file();
    await new SynapseFixtureWriter(db, { serverName: 'hs.example' }).join(
      '!r:hs.example',
      '@a:hs.example',
    );
    const source = await SynapseSqlMembership.open({ sqlitePath: path });
    cleanups.push(() => source.close());
    const error = await source.driver
      .select("INSERT INTO rooms (room_id) VALUES ('!w:hs.example') RETURNING room_id")
      .catch((e: unknown) => e);
    expect((error as MembershipError).code).toBe('DATABASE_ERROR');
    expect((error as MembershipError).message).toMatch(/readonly|read-only/i);
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM rooms WHERE room_id = '!w:hs.example'").get(),
    ).toEqual({
      n: 0,
    });
  });

  it('sees changes written by Synapse after it opened', async () => {
    const { path, db } = await file();
    const writer = new SynapseFixtureWriter(db, { serverName: 'hs.example' });
    const source = await SynapseSqlMembership.open({ sqlitePath: path });
    cleanups.push(() => source.close());
    expect((await source.getJoinedMembers(['!r:hs.example'])).size).toBe(0);
    await writer.join('!r:hs.example', '@a:hs.example');
    expect((await source.getJoinedMembers(['!r:hs.example'])).get('!r:hs.example')).toEqual([
      '@a:hs.example',
    ]);
  });

  it('answers lists longer than one IN (...) chunk', async () => {
    const { db } = await file();
    const writer = new SynapseFixtureWriter(db, { serverName: 'hs.example' });
    const rooms = Array.from({ length: 7 }, (_, i) => `!c${i}:hs.example`);
    for (const room of rooms) await writer.joinAll(room, ['@a:hs.example', '@b:remote.example']);
    const source = await SynapseSqlMembership.open({ sqliteDatabase: db, sqliteChunkSize: 2 });
    const members = await source.getJoinedMembers(rooms);
    expect([...members.keys()].sort()).toEqual([...rooms].sort());
    const users = ['@a:hs.example', '@b:remote.example', '@c:remote.example'];
    const byUser = await source.getRoomsForUsers(users);
    expect(byUser.get('@a:hs.example')).toHaveLength(7);
    expect(byUser.get('@b:remote.example')).toHaveLength(7);
    expect(byUser.get('@c:remote.example')).toEqual([]);
    const statuses = await source.getRoomStatuses(rooms);
    expect(
      [...statuses.values()].every((s) => s.status === 'participating' && s.joinedCount === 2),
    ).toBe(true);
    await source.close();
    // A database handed in is not closed by the adapter.
    expect(db.open).toBe(true);
  });
});
