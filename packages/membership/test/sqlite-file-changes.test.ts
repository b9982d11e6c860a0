/**
 * The SQLite database file replaced, deleted or truncated under a running
 * SynapseSqlMembership + DeltaStreamPoller + CachedMembership: noticed on the next poll,
 * logged, reopened (a reset delta clears the cache), clean DATABASE_UNAVAILABLE errors while
 * no readable file is there, and recovery once one is back. Polls are explicit
 * (`pollOnce()`), except in the one test of the poller's own timer, which waits for events.
 */
import { mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@presence-router/test-support';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedMembership, MembershipError } from '../src/index.ts';
import {
  DeltaStreamPoller,
  invalidateOnDelta,
  type MembershipDelta,
  SynapseSqlMembership,
} from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import { writeSynapseSqliteFile } from './support/sqlite.ts';

const HS = 'hs.example';
const ROOM = `!room:${HS}`;
const ALICE = `@alice:${HS}`;
const BOB = '@bob:remote.example';
const CAROL = `@carol:${HS}`;
const CROWD = Array.from({ length: 30 }, (_, i) => `@crowd${i}:remote.example`);

let dir: string;
let path: string;
let sql: SynapseSqlMembership;
let cache: CachedMembership;
let poller: DeltaStreamPoller;
/** The warnings of the cache and the poller, in order. */
let logger: RecordingLogger;
let errors: Error[];
let deltas: MembershipDelta[];

/** The warnings logged so far. */
function warnings() {
  return logger.lines.filter((line) => line.level === 'warn');
}

/** Writes a new database next to the original, then renames it over the original. */
async function replaceDatabase(build: (writer: SynapseFixtureWriter) => Promise<void>) {
  const next = join(dir, `next-${Date.now()}-${Math.random()}.db`);
  await writeSynapseSqliteFile(next, HS, build);
  renameSync(next, path);
}

/** Writes into the database at the path now (whichever file that is). */
async function writeNow(build: (writer: SynapseFixtureWriter) => Promise<void>) {
  const db = new Database(path);
  try {
    await build(new SynapseFixtureWriter(db, { serverName: HS }));
  } finally {
    db.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<MembershipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MembershipError);
  return error as MembershipError;
}

async function cachedMembers(roomId: string) {
  return (await cache.getJoinedMembers([roomId])).get(roomId);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pr-file-changes-'));
  path = join(dir, 'homeserver.db');
  logger = new RecordingLogger();
  errors = [];
  deltas = [];
  // Many stream IDs in the original, so that a replacement's stream starts lower.
  await writeSynapseSqliteFile(path, HS, async (writer) => {
    await writer.join(ROOM, ALICE);
    for (const user of CROWD) await writer.join(`!other:${HS}`, user);
  });
  sql = await SynapseSqlMembership.open({ sqlitePath: path });
  cache = new CachedMembership(sql, {
    ttlMs: Number.POSITIVE_INFINITY,
    logger,
  });
  const invalidate = invalidateOnDelta(cache);
  poller = new DeltaStreamPoller({
    driver: sql.driver,
    serverName: HS,
    intervalMs: 60_000,
    logger,
    onDelta: async (delta) => {
      deltas.push(delta);
      await invalidate(delta);
    },
    onError: (error) => errors.push(error),
  });
  await poller.start();
});

afterEach(async () => {
  await poller.stop();
  await sql.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite database file replaced under the running adapter', () => {
  it('reopens the new file, resets the cache and reads its stream from its own end', async () => {
    expect(await cachedMembers(ROOM)).toEqual([ALICE]);
    const oldPosition = poller.lastSeen as number;
    await replaceDatabase((writer) => writer.joinAll(ROOM, [ALICE, BOB]));

    const reset = await poller.pollOnce();
    expect(reset?.reset).toBe(true);
    expect(reset?.upTo).toBeLessThan(oldPosition); // the new stream restarted lower
    expect(poller.lastSeen).toBe(reset?.upTo);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toMatch(
      /was replaced \(inode \d+ -> \d+\); reopened it read-only/,
    );
    expect(warnings()[0]?.message).toContain(path);
    expect(warnings()[0]?.data).toMatchObject({ path, change: 'replaced', reopened: true });
    expect(await cachedMembers(ROOM)).toEqual([ALICE, BOB]);

    // A change written into the new file after the reopen is seen on the next poll.
    await writeNow((writer) => writer.join(ROOM, CAROL));
    const delta = await poller.pollOnce();
    expect(delta?.reset).toBe(false);
    expect([...(delta?.rooms ?? [])]).toEqual([ROOM]);
    expect(await cachedMembers(ROOM)).toEqual([ALICE, BOB, CAROL]);
    expect(errors).toEqual([]);
  });

  it('reports nothing while the file only grows', async () => {
    await writeNow((writer) => writer.join(ROOM, BOB));
    const delta = await poller.pollOnce();
    expect(delta?.reset).toBe(false);
    expect(warnings()).toEqual([]);
    expect(sql.driver.checkFile?.()).toBeUndefined();
  });

  it('fails cleanly on a replacement that is not a database, and recovers', async () => {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a SQLite database, just some text '.repeat(200));
    renameSync(garbage, path);
    const failure = await rejection(poller.pollOnce());
    expect(failure.code).toBe('DATABASE_UNAVAILABLE');
    expect(warnings()[0]?.message).toMatch(/was replaced .* and cannot be read \(.*not a database/);
    expect((await rejection(sql.getJoinedMembers([ROOM]))).code).toBe('DATABASE_UNAVAILABLE');

    await replaceDatabase((writer) => writer.joinAll(ROOM, [ALICE, CAROL]));
    expect((await poller.pollOnce())?.reset).toBe(true);
    expect((await sql.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE, CAROL]);
  });
});

describe('SQLite database file deleted under the running adapter', () => {
  it('fails lookups with DATABASE_UNAVAILABLE, logs it once, and recovers when it is back', async () => {
    expect(await cachedMembers(ROOM)).toEqual([ALICE]);
    rmSync(path);

    const failure = await rejection(poller.pollOnce());
    expect(failure.code).toBe('DATABASE_UNAVAILABLE');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toMatch(/was deleted or moved away; closed it: lookups fail/);
    expect(warnings()[0]?.data).toMatchObject({ change: 'deleted', reopened: false });
    expect(errors.map((e) => (e as MembershipError).code)).toEqual(['DATABASE_UNAVAILABLE']);
    const lookup = await rejection(sql.getJoinedMembers([ROOM]));
    expect(lookup.code).toBe('DATABASE_UNAVAILABLE');
    expect(lookup.message).toContain(path);
    expect((await rejection(sql.getRoomsForUsers([ALICE]))).code).toBe('DATABASE_UNAVAILABLE');

    // Still missing: the poll fails again, without a second warning.
    expect((await rejection(poller.pollOnce())).code).toBe('DATABASE_UNAVAILABLE');
    expect(warnings()).toHaveLength(1);

    await replaceDatabase((writer) => writer.joinAll(ROOM, [ALICE, BOB]));
    const reset = await poller.pollOnce();
    expect(reset?.reset).toBe(true);
    expect(warnings()[1]?.message).toMatch(/is back; reopened it read-only; reporting a reset/);
    expect((await sql.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE, BOB]);
    expect(await cachedMembers(ROOM)).toEqual([ALICE, BOB]);
  });

  it('keeps polling on its own timer and recovers when the file comes back', async () => {
    await poller.stop();
    let failed: () => void = () => {};
    let recovered: (delta: MembershipDelta) => void = () => {};
    const failure = new Promise<void>((resolve) => {
      failed = resolve;
    });
    const reset = new Promise<MembershipDelta>((resolve) => {
      recovered = resolve;
    });
    const timed = new DeltaStreamPoller({
      driver: sql.driver,
      intervalMs: 5,
      logger,
      onDelta: (delta) => {
        if (delta.reset) recovered(delta);
      },
      onError: (error) => {
        if ((error as MembershipError).code === 'DATABASE_UNAVAILABLE') failed();
      },
    });
    await timed.start();
    try {
      rmSync(path);
      await failure;
      await replaceDatabase((writer) => writer.join(ROOM, CAROL));
      expect((await reset).reset).toBe(true);
      expect((await sql.getJoinedMembers([ROOM])).get(ROOM)).toEqual([CAROL]);
    } finally {
      await timed.stop();
    }
  });
});

describe('SQLite database file truncated under the running adapter', () => {
  it('treats an emptied file as unavailable until a database is back', async () => {
    truncateSync(path, 0);
    const failure = await rejection(poller.pollOnce());
    expect(failure.code).toBe('DATABASE_UNAVAILABLE');
    expect(warnings()[0]?.message).toMatch(/shrank from \d+ to 0 bytes and cannot be read/);
    expect(warnings()[0]?.data).toMatchObject({ change: 'truncated', reopened: false });
    const lookup = await rejection(sql.getJoinedMembers([ROOM]));
    expect(lookup.code).toBe('DATABASE_UNAVAILABLE');
    expect(lookup.message).toMatch(/no tables/);

    await replaceDatabase((writer) => writer.join(ROOM, BOB));
    expect((await poller.pollOnce())?.reset).toBe(true);
    expect(await cachedMembers(ROOM)).toBeUndefined(); // only a remote user: not participated
  });
});

describe('SqlDriver.checkFile', () => {
  it('has nothing to watch on a database handed in', async () => {
    const db = new Database(path, { readonly: true });
    const handed = await SynapseSqlMembership.open({ sqliteDatabase: db });
    try {
      rmSync(path);
      expect(handed.driver.checkFile?.()).toBeUndefined();
    } finally {
      await handed.close();
      db.close();
    }
  });
});
