/**
 * Membership benchmark: how fast room members come out of a Synapse database, and what the
 * cache saves. One run measures, on PostgreSQL and on SQLite:
 * - a 120,000-member room (Matrix HQ's size) expanded cold (no cache in front);
 * - 1,000 rooms in one batched call vs one query per room;
 * - the cache-hit path of `CachedMembership` (per call and per member).
 * It prints progress, then a table (median and p95 of several runs), and writes the figures
 * as JSON to `bench/results/`. PostgreSQL: postgresql://root@127.0.0.1:5432/test (override
 * with `MEMBERSHIP_BENCH_PG`), in a schema of its own dropped at the end; SQLite: a
 * temporary file removed at the end.
 *
 * @example
 * ```sh
 * tsx --conditions=@presence-router/source packages/membership/bench/membership-bench.ts
 * # or: pnpm --filter @presence-router/membership bench
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MembershipSource } from '@presence-router/core';
import { seededRandom } from '@presence-router/test-support';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CachedMembership } from '../src/index.ts';
import { SynapseSqlMembership } from '../src/synapse.ts';
import { createSynapseSchema, SynapseFixtureWriter } from '../src/testing.ts';

const SERVER = 'bench.example';
const HQ = `!hq:${SERVER}`;
const HQ_SIZE = 120_000;
const ROOM_COUNT = 1_000;
/** Pareto room sizes (the matrix-locust model), capped to keep the setup short. */
const PARETO_ALPHA = 1.161;
const MAX_ROOM_SIZE = 2_000;
const RUNS = 7;
const HIT_CALLS = 20_000;
const PG_URL = process.env.MEMBERSHIP_BENCH_PG ?? 'postgresql://root@127.0.0.1:5432/test';

const startedAt = performance.now();
function progress(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

interface Workload {
  readonly hq: readonly string[];
  readonly rooms: ReadonlyMap<string, readonly string[]>;
}

function buildWorkload(): Workload {
  // The same seeded generator as the tests, so every run builds the same rooms.
  const random = seededRandom(20261127);
  const hq = Array.from({ length: HQ_SIZE }, (_, i) =>
    i % 2 === 0 ? `@hq${i}:${SERVER}` : `@hq${i}:remote${i % 97}.example`,
  );
  const rooms = new Map<string, string[]>();
  for (let r = 0; r < ROOM_COUNT; r++) {
    const size = Math.min(MAX_ROOM_SIZE, Math.floor(2 / (1 - random()) ** (1 / PARETO_ALPHA)));
    const members = new Set<string>([`@owner${r}:${SERVER}`]);
    while (members.size < size) {
      const n = Math.floor(random() * 50_000);
      members.add(n % 3 === 0 ? `@u${n}:${SERVER}` : `@u${n}:remote${n % 53}.example`);
    }
    rooms.set(`!room${r}:${SERVER}`, [...members]);
  }
  return { hq, rooms };
}

async function fill(writer: SynapseFixtureWriter, workload: Workload, label: string) {
  progress(`${label}: writing the ${HQ_SIZE.toLocaleString('en')}-member room`);
  for (let i = 0; i < workload.hq.length; i += 20_000) {
    await writer.joinAll(HQ, workload.hq.slice(i, i + 20_000));
  }
  progress(`${label}: writing ${ROOM_COUNT} rooms`);
  let done = 0;
  for (const [roomId, members] of workload.rooms) {
    await writer.joinAll(roomId, members);
    if (++done % 250 === 0) progress(`${label}:   ${done}/${ROOM_COUNT} rooms`);
  }
}

interface Figure {
  readonly scenario: string;
  readonly backend: string;
  readonly runs: number;
  /** Milliseconds per run. */
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  readonly p95Ms: number;
  /** Members answered per run, all calls together (for the per-member cost). */
  readonly members: number;
  /** Calls made per run. */
  readonly calls: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

async function measure(
  scenario: string,
  backend: string,
  calls: number,
  run: () => Promise<number>,
  runs = RUNS,
): Promise<Figure> {
  await run(); // warm-up: JIT, statement caches, page cache
  const samples: number[] = [];
  let members = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    members = await run();
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const figure: Figure = {
    scenario,
    backend,
    runs,
    samplesMs: samples.map((s) => Number(s.toFixed(3))),
    medianMs: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    members,
    calls,
  };
  progress(`  ${backend} / ${scenario}: median ${figure.medianMs.toFixed(2)} ms`);
  return figure;
}

function countMembers(answer: ReadonlyMap<string, readonly string[]>): number {
  let n = 0;
  for (const members of answer.values()) n += members.length;
  return n;
}

async function scenarios(
  backend: string,
  source: MembershipSource,
  workload: Workload,
): Promise<Figure[]> {
  const roomIds = [...workload.rooms.keys()];
  const figures: Figure[] = [];
  progress(`${backend}: measuring`);
  figures.push(
    await measure(`${HQ_SIZE / 1000}k-member room, cold`, backend, 1, async () => {
      const answer = await source.getJoinedMembers([HQ]);
      const members = answer.get(HQ)?.length ?? 0;
      if (members !== HQ_SIZE) throw new Error(`${backend}: HQ answered ${members} members`);
      return members;
    }),
  );
  figures.push(
    await measure(`${ROOM_COUNT} rooms, one batched call`, backend, 1, async () => {
      const answer = await source.getJoinedMembers(roomIds);
      if (answer.size !== ROOM_COUNT) throw new Error(`${backend}: ${answer.size} rooms answered`);
      return countMembers(answer);
    }),
  );
  figures.push(
    await measure(
      `${ROOM_COUNT} rooms, one query per room`,
      backend,
      ROOM_COUNT,
      async () => {
        let members = 0;
        for (const roomId of roomIds) {
          members += (await source.getJoinedMembers([roomId])).get(roomId)?.length ?? 0;
        }
        return members;
      },
      5,
    ),
  );
  const cache = new CachedMembership(source, {
    maxEntries: ROOM_COUNT + 10,
    maxTotalMembers: 10_000_000,
    ttlMs: Number.POSITIVE_INFINITY,
  });
  await cache.getJoinedMembers([HQ, ...roomIds]);
  figures.push(
    await measure(
      `cache hit, ${HQ_SIZE / 1000}k-member room (${HIT_CALLS} calls)`,
      backend,
      HIT_CALLS,
      async () => {
        let members = 0;
        for (let i = 0; i < HIT_CALLS; i++) {
          members += (await cache.getJoinedMembers([HQ])).get(HQ)?.length ?? 0;
        }
        return members;
      },
    ),
  );
  figures.push(
    await measure(`cache hit, ${ROOM_COUNT} rooms batched (100 calls)`, backend, 100, async () => {
      let members = 0;
      for (let i = 0; i < 100; i++) members += countMembers(await cache.getJoinedMembers(roomIds));
      return members;
    }),
  );
  const stats = cache.stats;
  if (stats.loads !== 1) throw new Error(`${backend}: the cache loaded ${stats.loads} times`);
  return figures;
}

function perMemberNs(figure: Figure): number {
  return figure.members === 0 ? Number.NaN : (figure.medianMs * 1e6) / figure.members;
}

function printTable(figures: readonly Figure[]): void {
  const header = [
    'backend',
    'scenario',
    'runs',
    'median ms',
    'p95 ms',
    'per call',
    'members/run',
    'ns/member',
  ];
  const rows = figures.map((f) => {
    const perCall = f.medianMs / f.calls;
    return [
      f.backend,
      f.scenario,
      String(f.runs),
      f.medianMs.toFixed(2),
      f.p95Ms.toFixed(2),
      perCall >= 1 ? `${perCall.toFixed(2)} ms` : `${(perCall * 1000).toFixed(2)} µs`,
      f.members.toLocaleString('en'),
      perMemberNs(f).toFixed(2),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  progress('building the seeded workload');
  const workload = buildWorkload();
  const totalMembers = [...workload.rooms.values()].reduce((n, m) => n + m.length, 0);
  progress(`${ROOM_COUNT} rooms hold ${totalMembers.toLocaleString('en')} members (Pareto sizes)`);
  const figures: Figure[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // PostgreSQL, in a schema of its own.
    const schema = `membership_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const pool = new pg.Pool({
      connectionString: PG_URL,
      max: 4,
      options: `-c search_path=${schema}`,
    });
    pool.on('error', () => {});
    cleanups.push(async () => {
      await pool.end().catch(() => {});
      const drop = new pg.Client({ connectionString: PG_URL });
      await drop.connect();
      await drop.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await drop.end();
      progress(`dropped schema ${schema}`);
    });
    progress(`PostgreSQL: schema ${schema}`);
    await createSynapseSchema(pool);
    await fill(new SynapseFixtureWriter(pool, { serverName: SERVER }), workload, 'PostgreSQL');
    await pool.query('ANALYZE');
    const postgres = await SynapseSqlMembership.open({ postgresPool: pool });
    cleanups.unshift(() => postgres.close());
    figures.push(...(await scenarios('PostgreSQL', postgres, workload)));

    // SQLite, in a temporary file.
    const dir = mkdtempSync(join(tmpdir(), 'membership-bench-'));
    const path = join(dir, 'homeserver.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    cleanups.push(async () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
      progress(`removed ${dir}`);
    });
    progress(`SQLite: ${path}`);
    await createSynapseSchema(db);
    await fill(new SynapseFixtureWriter(db, { serverName: SERVER }), workload, 'SQLite');
    db.exec('ANALYZE');
    const sqlite = await SynapseSqlMembership.open({ sqlitePath: path });
    cleanups.unshift(() => sqlite.close());
    figures.push(...(await scenarios('SQLite', sqlite, workload)));
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) => progress(`cleanup failed: ${String(error)}`));
    }
  }

  console.log('');
  printTable(figures);
  const results = {
    benchmark: 'membership',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    workload: {
      hqMembers: HQ_SIZE,
      rooms: ROOM_COUNT,
      roomMembers: totalMembers,
      roomSizes: `Pareto alpha ${PARETO_ALPHA}, minimum 2, capped at ${MAX_ROOM_SIZE}, seeded`,
    },
    figures: figures.map((f) => ({
      ...f,
      perCallMs: f.medianMs / f.calls,
      perMemberNs: perMemberNs(f),
    })),
    totalSeconds: (performance.now() - startedAt) / 1000,
  };
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`membership-${results.date.replace(/[:.]/g, '-')}.json`, dir);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${file.pathname} (total ${results.totalSeconds.toFixed(1)} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
