/**
 * The scenarios of the full run and of the smoke run (same shapes, tiny sizes).
 *
 * - `pareto-20k`, `pareto-100k`: Pareto rooms, batches of 1% of the users (200, 1,000);
 * - `universal-20k`: one room holding every user, batches of 1,000;
 * - `scale-*`: the scaling sweep, 1k to 1M users, batches of 1,000 (a tenth of the users below
 *   10k): engine and floor; naive and engine+states where affordable;
 * - `sync-*`: the read side — one syncing user's "what is new for me";
 * - `narrowing-20k`: the cost of narrowing (module denials, the operator policy, MSC4495)
 *   against the additive engine and the floor, on pareto-20k-remote's workload;
 * - `federation`: the federation sender over loopback HTTP (signed, verified by receivers in
 *   another process) to 1 and to 100 destinations against its baselines, and the batching of
 *   a Pareto workload with 20% remote members.
 *
 * @example
 * ```ts
 * for (const scenario of fullScenarios()) console.log(scenario.name);
 * ```
 * @module
 */
import type { FanOutDataOptions } from './fan-out-setup.ts';
import type { BatchingFeed } from './federation-results.ts';
import type { ThroughputPhase } from './federation-throughput.ts';
import type { NarrowingScenario } from './narrowing-results.ts';
import type { WorkloadOptions } from './workload.ts';

/** A fan-out scenario: batches of updates through the engine, the naive baseline, the floor. */
export interface FanOutScenario {
  readonly kind: 'fan-out';
  readonly name: string;
  readonly description: string;
  readonly workload: WorkloadOptions;
  readonly batchSize: number;
  /** Untimed batches before the measured ones. */
  readonly warmup: number;
  /** Timed batches (engine and floor). */
  readonly measured: number;
  /**
   * The implementations whose cost grows with (recipient, state) pairs (naive, and the
   * engine reading every group's states) run on `costlyBatches` timed batches (no warm-up:
   * the agreement check ran them once) when a batch holds more than
   * `costlyReducedPairs` pairs, and are skipped beyond `costlyMaxPairs`.
   */
  readonly costlyMaxPairs: number;
  readonly costlyReducedPairs: number;
  /** Timed batches of those implementations when reduced. */
  readonly costlyBatches: number;
  /** Also measure module-only routing (`getUsersForStates`). */
  readonly route: boolean;
  /** Part of the scaling sweep (drawn in the chart). */
  readonly sweep: boolean;
}

/** The read side: answering one syncing user. */
export interface SyncScenario {
  readonly kind: 'sync';
  readonly name: string;
  readonly description: string;
  readonly workload: WorkloadOptions;
  /** Updates since the syncing user's token. */
  readonly window: number;
  readonly warmup: number;
  /** Timed syncs per implementation. */
  readonly measured: number;
}

/**
 * The federation sender: throughput phases over 127.0.0.1 with their baselines, then the
 * batching of a fan-out workload's remote deliveries (`federation-scenario.ts`).
 */
export interface FederationScenario {
  readonly kind: 'federation';
  readonly name: string;
  readonly description: string;
  /** Destination servers of the receivers' process, `remote0.test` … (one port each). */
  readonly receivingServers: number;
  readonly throughput: readonly ThroughputPhase[];
  /**
   * The batching part's workload and batches (its remote servers must be among the
   * receivers': `remoteServers` at most `receivingServers`), and how it feeds the sender.
   */
  readonly batching: FanOutDataOptions & { readonly feeds: readonly BatchingFeed[] };
  /** Seconds one wait (a phase's sending, a receivers' command) may take before it fails. */
  readonly stepTimeoutSeconds: number;
}

export type Scenario = FanOutScenario | SyncScenario | FederationScenario | NarrowingScenario;

const SEED = 20_261_127;

function fanOut(
  name: string,
  description: string,
  workload: Omit<WorkloadOptions, 'seed'>,
  batchSize: number,
  extra: Partial<FanOutScenario> = {},
): FanOutScenario {
  return {
    kind: 'fan-out',
    name,
    description,
    workload: { seed: SEED, ...workload },
    batchSize,
    warmup: 5,
    measured: 30,
    costlyMaxPairs: 60_000_000,
    costlyReducedPairs: 4_000_000,
    costlyBatches: 3,
    route: false,
    sweep: false,
    ...extra,
  };
}

function sweepPoint(users: number, extra: Partial<FanOutScenario> = {}): FanOutScenario {
  const label = users >= 1_000_000 ? `${users / 1_000_000}m` : `${users / 1000}k`;
  return fanOut(
    `scale-${label}`,
    `Scaling sweep: ${users.toLocaleString('en-US')} users, Pareto rooms, batches of ${Math.min(1000, Math.floor(users / 10)).toLocaleString('en-US')}`,
    { users, shape: 'pareto' },
    Math.min(1000, Math.floor(users / 10)),
    { sweep: true, costlyMaxPairs: 8_000_000, costlyReducedPairs: 2_000_000, ...extra },
  );
}

/** Everything `bench` runs, smallest first. */
export function fullScenarios(): Scenario[] {
  return [
    fanOut(
      'pareto-20k',
      '20,000 users, 20,000 Pareto rooms, batches of 200 updates',
      { users: 20_000, shape: 'pareto' },
      200,
      { route: true },
    ),
    fanOut(
      'pareto-20k-remote',
      'As pareto-20k with 10% of users on 4 remote servers (federation grouping included)',
      { users: 20_000, shape: 'pareto', remoteShare: 0.1 },
      200,
    ),
    fanOut(
      'universal-20k',
      'One room holding all 20,000 users, batches of 1,000 updates',
      { users: 20_000, shape: 'universal' },
      1000,
      { measured: 20, costlyReducedPairs: 1 },
    ),
    fanOut(
      'pareto-100k',
      '100,000 users, 100,000 Pareto rooms, batches of 1,000 updates',
      { users: 100_000, shape: 'pareto' },
      1000,
      { measured: 20, route: true, costlyBatches: 2 },
    ),
    {
      kind: 'sync',
      name: 'sync-20k',
      description: 'One syncing user, 20,000 users, 1,000 updates since its token',
      workload: { seed: SEED, users: 20_000, shape: 'pareto' },
      window: 1000,
      warmup: 3,
      measured: 30,
    },
    {
      kind: 'sync',
      name: 'sync-100k',
      description: 'One syncing user, 100,000 users, 1,000 updates since its token',
      workload: { seed: SEED, users: 100_000, shape: 'pareto' },
      window: 1000,
      warmup: 3,
      measured: 20,
    },
    {
      kind: 'narrowing',
      name: 'narrowing-20k',
      description:
        'pareto-20k-remote with 10% of users denying one large room and 5% sharing only locally (module denials), the policy variant, and MSC4495 settings vs default routing',
      workload: { seed: SEED, users: 20_000, shape: 'pareto', remoteShare: 0.1 },
      batchSize: 200,
      warmup: 3,
      measured: 30,
      rounds: 5,
      mscBatches: 2,
      maxRoomSize: 1000,
      goal: 1.5,
    },
    sweepPoint(1000),
    sweepPoint(3000),
    sweepPoint(10_000),
    sweepPoint(30_000),
    sweepPoint(100_000, { measured: 20 }),
    sweepPoint(300_000, { warmup: 3, measured: 10 }),
    sweepPoint(1_000_000, { warmup: 2, measured: 6 }),
    {
      kind: 'federation',
      name: 'federation',
      description:
        'Signed m.presence transactions over 127.0.0.1 to receivers that verify them, to 1 and to 100 destinations; batching of a Pareto workload with 20% remote members (20,000 users, 100 remote servers)',
      receivingServers: 100,
      throughput: [
        { mode: 'full', destinations: 1, statesPerDestination: 50_000 },
        { mode: 'full', destinations: 100, statesPerDestination: 10_000 },
        { mode: 'single', destinations: 1, statesPerDestination: 2000 },
        { mode: 'single', destinations: 100, statesPerDestination: 200 },
      ],
      batching: {
        workload: {
          seed: SEED,
          users: 20_000,
          shape: 'pareto',
          remoteShare: 0.2,
          remoteServers: 100,
        },
        batchSize: 200,
        warmup: 0,
        measured: 30,
        feeds: ['drained', 'back-to-back'],
      },
      stepTimeoutSeconds: 300,
    },
  ];
}

/** The smoke run: every scenario shape at tiny sizes, with remote users, checked for agreement. */
export function smokeScenarios(): Scenario[] {
  const small = { warmup: 1, measured: 2, costlyMaxPairs: 1e9, costlyReducedPairs: 1e9 };
  return [
    fanOut(
      'pareto-20k (smoke)',
      'pareto-20k at 2,000 users',
      { users: 2000, shape: 'pareto', remoteShare: 0.1 },
      20,
      { ...small, route: true },
    ),
    fanOut(
      'universal-20k (smoke)',
      'universal-20k at 500 users',
      { users: 500, shape: 'universal', remoteShare: 0.1 },
      50,
      small,
    ),
    fanOut(
      'pareto-100k (smoke)',
      'pareto-100k at 5,000 users',
      { users: 5000, shape: 'pareto' },
      50,
      { ...small, route: true },
    ),
    {
      kind: 'narrowing',
      name: 'narrowing-20k (smoke)',
      description: 'narrowing-20k at 2,000 users',
      workload: { seed: SEED, users: 2000, shape: 'pareto', remoteShare: 0.1 },
      batchSize: 20,
      warmup: 1,
      measured: 3,
      rounds: 2,
      mscBatches: 3,
      maxRoomSize: 100,
      goal: 1.5,
    },
    sweepPoint(1000, small),
    sweepPoint(2000, small),
    {
      kind: 'sync',
      name: 'sync-20k (smoke)',
      description: 'sync-20k at 2,000 users',
      workload: { seed: SEED, users: 2000, shape: 'pareto', remoteShare: 0.1 },
      window: 100,
      warmup: 1,
      measured: 3,
    },
    {
      kind: 'federation',
      name: 'federation (smoke)',
      description: 'federation with a few states per destination, 2,000 users',
      receivingServers: 100,
      throughput: [
        // 6,000 states to one destination: a full transaction (5,000) and a partial one.
        { mode: 'full', destinations: 1, statesPerDestination: 6000 },
        { mode: 'full', destinations: 100, statesPerDestination: 60 },
        { mode: 'single', destinations: 1, statesPerDestination: 20 },
        { mode: 'single', destinations: 100, statesPerDestination: 3 },
      ],
      batching: {
        workload: {
          seed: SEED,
          users: 2000,
          shape: 'pareto',
          remoteShare: 0.2,
          remoteServers: 100,
        },
        batchSize: 20,
        warmup: 0,
        measured: 5,
        feeds: ['drained', 'back-to-back'],
      },
      stepTimeoutSeconds: 60,
    },
  ];
}
