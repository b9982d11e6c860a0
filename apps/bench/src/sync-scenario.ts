/**
 * The read side: the cost of answering one syncing user's "what is new for me" given the
 * updates since its token (a window of recent updates) and every user's current state.
 *
 * Implementations (each timed per sync):
 * - `sync-all`: a user the router makes interested in ALL_USERS, our way —
 *   `router.getInterestedUsers(user)` answers ALL_USERS, so the answer is the window itself;
 * - `sync-all-route-every-state`: Synapse's way with our engine — every known state through
 *   `router.getUsersForStates`, keep this user's states, filter to the window;
 * - `sync-all-naive`: Synapse's way with the naive baseline (`naiveRouteStates`);
 * - `sync-member`: an ordinary user — `router.getInterestedUsers(user)` plus the window's
 *   updates of users sharing a room with it (rooms from the membership source).
 *
 * @example
 * ```ts
 * const result = await runSyncScenario(syncScenario, { progress });
 * ```
 * @module
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ALL_USERS, type UserPresenceState } from '@presence-router/core';
import { type Agreement, compareStateLists } from './agreement.ts';
import { BenchError } from './errors.ts';
import { createWorkloadRouting } from './example-router-module.ts';
import { collectGarbage, type MeasuredRun, MemorySampler, measureBatches } from './measurement.ts';
import { naiveRouteStates } from './naive-fan-out.ts';
import { SeededRandom } from './prng.ts';
import type { ImplementationResult, ScenarioResult } from './results.ts';
import { generateRouterPlan, type RouterPlan } from './router-config.ts';
import type { RunOptions } from './scenario-run.ts';
import type { SyncScenario } from './scenarios.ts';
import { generateWorkload, largestRoomSize, type Workload } from './workload.ts';
import { generateBatches } from './workload-batches.ts';

const INCLUDES = {
  'sync-all':
    'router.getInterestedUsers(user) -> ALL_USERS, then every update of the window read once',
  'sync-all-route-every-state':
    "router.getUsersForStates(every known state) (Synapse's ALL_USERS path), this user's entry filtered to the window",
  'sync-all-naive':
    "naive routing of every known state (Map<userId, Set<state>>), this user's entry filtered to the window",
  'sync-member':
    'router.getInterestedUsers(user) + membership.getRoomsForUsers(user and window users) + a shared-room test per window update',
} as const;

type SyncImplementation = keyof typeof INCLUDES;

/** What the syncing user is shown, as a list. */
type Answer = UserPresenceState[];

/**
 * Ground truth for an ordinary user, from the workload's integer arrays: the window's
 * updates of the user itself, of users sharing a room with it, and of users that
 * `users_to_rooms` maps to a room it is in.
 */
function expectedForMember(
  workload: Workload,
  plan: RouterPlan,
  user: number,
  windowUsers: Int32Array,
  window: readonly UserPresenceState[],
): Answer {
  const mine = new Set<number>();
  for (const room of workload.roomsOf(user)) if (workload.participating[room] === 1) mine.add(room);
  const answer: Answer = [];
  windowUsers.forEach((other, i) => {
    const routed = plan.routedRooms.subarray(
      plan.routedOffsets[other] as number,
      plan.routedOffsets[other + 1] as number,
    );
    const shares =
      other === user ||
      workload.roomsOf(other).some((room) => mine.has(room)) ||
      routed.some((room) => mine.has(room));
    if (shares) answer.push(window[i] as UserPresenceState);
  });
  return answer;
}

/** Runs a sync scenario. */
export async function runSyncScenario(
  scenario: SyncScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const say = (step: string) => options.progress?.update(scenario.name, step);
  const scenarioMemory = new MemorySampler();
  scenarioMemory.start(50);

  say('generating the workload');
  const workload = generateWorkload(scenario.workload);
  const plan = generateRouterPlan(workload, { seed: scenario.workload.seed });
  const seed = scenario.workload.seed;
  const [known] = generateBatches(workload, { size: workload.localUsers.length, count: 1, seed });
  const [recent] = generateBatches(workload, {
    size: Math.min(scenario.window, workload.localUsers.length),
    count: 1,
    seed: seed + 1,
  });
  if (known === undefined || recent === undefined) {
    throw new BenchError('INVALID_OPTION', 'No batches generated', { scenario: scenario.name });
  }
  // Current state of every local user: the window's updates replace older states.
  const latest = new Map<string, UserPresenceState>();
  for (const state of known.states) latest.set(state.userId, state);
  for (const state of recent.states) latest.set(state.userId, state);
  const allKnown = [...latest.values()];
  const window = recent.states;
  const inWindow = new Set(window);
  const generationSeconds = (performance.now() - started) / 1000;

  const { membership, module, router } = createWorkloadRouting(workload, plan);

  const allUsers = plan.config.always_send_to_users;
  if (allUsers.length === 0) {
    throw new BenchError('INVALID_OPTION', 'The router plan has no always_send_to_users', {
      scenario: scenario.name,
    });
  }
  const random = SeededRandom.derive(seed, 30);
  const count = scenario.warmup + scenario.measured;
  const allSyncers = Array.from(
    { length: count },
    (_, i) => allUsers[i % allUsers.length] as string,
  );
  const memberSyncers = Array.from(
    { length: count },
    () => workload.localUsers[random.int(workload.localUsers.length)] as number,
  );

  const implementations: Record<SyncImplementation, (userId: string) => Promise<Answer>> = {
    'sync-all': async (userId) => {
      const interested = await router.getInterestedUsers(userId);
      if (interested !== ALL_USERS) {
        throw new BenchError('INVALID_OPTION', `${userId} is not interested in ALL_USERS`);
      }
      return [...window];
    },
    'sync-all-route-every-state': async (userId) => {
      const routed = await router.getUsersForStates(allKnown);
      return [...(routed.get(userId) ?? [])].filter((state) => inWindow.has(state));
    },
    'sync-all-naive': async (userId) => {
      const routed = await naiveRouteStates(allKnown, membership, module);
      return [...(routed.get(userId) ?? [])].filter((state) => inWindow.has(state));
    },
    'sync-member': async (userId) => {
      const interested = await router.getInterestedUsers(userId);
      const windowUserIds = window.map((state) => state.userId);
      const rooms = await membership.getRoomsForUsers([userId, ...windowUserIds]);
      const mine = new Set(rooms.get(userId) ?? []);
      const answer: Answer = [];
      for (const state of window) {
        const other = state.userId;
        if (
          other === userId ||
          interested === ALL_USERS ||
          interested.has(other) ||
          (rooms.get(other) ?? []).some((room) => mine.has(room))
        ) {
          answer.push(state);
        }
      }
      return answer;
    },
  };

  // Agreement (untimed): the three ALL_USERS answers match; the member answer matches the
  // ground truth computed from the integer arrays.
  say('checking that the implementations agree');
  const agreement: (Agreement & { what: string })[] = [];
  const probe = allSyncers[0] as string;
  const ours = await implementations['sync-all'](probe);
  agreement.push({
    what: 'sync ALL_USERS: ours vs route-every-state (engine)',
    ...compareStateLists(
      'ours',
      ours,
      'engine',
      await implementations['sync-all-route-every-state'](probe),
    ),
  });
  agreement.push({
    what: 'sync ALL_USERS: ours vs route-every-state (naive)',
    ...compareStateLists('ours', ours, 'naive', await implementations['sync-all-naive'](probe)),
  });
  const member = memberSyncers[0] as number;
  agreement.push({
    what: 'sync member: ours vs ground truth',
    ...compareStateLists(
      'ours',
      await implementations['sync-member'](workload.userIds[member] as string),
      'truth',
      expectedForMember(workload, plan, member, recent.users, window),
    ),
  });
  const failed = agreement.find((a) => !a.agree);
  if (failed !== undefined && options.failOnDisagreement !== false) {
    throw new BenchError(
      'DISAGREEMENT',
      `${scenario.name}: ${failed.what} disagree: ${failed.problems.join('; ')}`,
      {
        scenario: scenario.name,
      },
    );
  }

  const runs = new Map<SyncImplementation, MeasuredRun>();
  for (const name of Object.keys(INCLUDES) as SyncImplementation[]) {
    collectGarbage();
    const syncers =
      name === 'sync-member' ? memberSyncers.map((u) => workload.userIds[u] as string) : allSyncers;
    const run = await measureBatches(
      syncers,
      { warmup: scenario.warmup, onBatch: (done, total) => say(`${name} sync ${done}/${total}`) },
      (userId) => implementations[name](userId),
    );
    runs.set(name, run);
  }
  const naiveMedian = runs.get('sync-all-naive')?.stats.medianMs;
  const results: ImplementationResult[] = [...runs].map(([name, run]) => ({
    implementation: name,
    includes: INCLUDES[name],
    stats: run.stats,
    deliveriesPerSecond: null,
    speedupOverNaive:
      naiveMedian !== undefined && name.startsWith('sync-all')
        ? naiveMedian / run.stats.medianMs
        : null,
    ratioToFloor: null,
    memory: run.memory,
  }));
  const memory = scenarioMemory.stop();
  options.progress?.done(
    `${scenario.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    name: scenario.name,
    kind: 'sync',
    description: scenario.description,
    sweep: false,
    workload: {
      users: workload.userCount,
      localUsers: workload.localUsers.length,
      rooms: workload.roomCount,
      memberships: workload.membershipCount,
      largestRoom: largestRoomSize(workload),
      batchSize: window.length,
      recipientsPerBatch: 1,
      deliveriesPerBatch: window.length,
      maxPairsPerBatch: allKnown.length,
      generationSeconds,
    },
    agreement,
    implementations: results,
    peakRssBytes: memory.peakRssBytes,
    peakHeapBytes: memory.peakHeapBytes,
    seconds: (performance.now() - started) / 1000,
    loadAverage: loadavg()[0] ?? 0,
  };
}
