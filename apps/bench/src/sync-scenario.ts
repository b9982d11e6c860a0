/**
 * The read side: the cost of answering one syncing user's "what is new for me" given the
 * updates since its token (a window of recent updates) and every user's current state.
 * Setup in `sync-setup.ts`, the implementations in `sync-implementations.ts`, the
 * agreement check in `sync-agreement.ts`; here, the timings and the result.
 *
 * @example
 * ```ts
 * const result = await runSyncScenario(syncScenario, { progress });
 * ```
 * @module
 */
import { assertAgreement } from './agreement.ts';
import { collectGarbage, type MeasuredRun, measureBatches } from './measurement.ts';
import type { ImplementationResult, ScenarioResult } from './results.ts';
import {
  type RunOptions,
  type Say,
  type ScenarioFrame,
  ScenarioRun,
  workloadFigures,
} from './scenario-run.ts';
import type { SyncScenario } from './scenarios.ts';
import { checkSyncAgreement } from './sync-agreement.ts';
import {
  SYNC_INCLUDES,
  type Sync,
  type SyncImplementation,
  syncImplementations,
} from './sync-implementations.ts';
import { prepareSync, type SyncSetup } from './sync-setup.ts';

/** Times every implementation in turn (a full GC before each), one sync per syncing user. */
export async function measureSync(
  scenario: SyncScenario,
  setup: SyncSetup,
  implementations: Readonly<Record<SyncImplementation, Sync>>,
  say: Say,
): Promise<Map<SyncImplementation, MeasuredRun>> {
  const { allSyncers, memberSyncers, workload } = setup;
  const runs = new Map<SyncImplementation, MeasuredRun>();
  for (const name of Object.keys(SYNC_INCLUDES) as SyncImplementation[]) {
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
  return runs;
}

/** Each run's result; the ALL_USERS ones with their speed-up over the naive one. */
export function syncImplementationResults(
  runs: ReadonlyMap<SyncImplementation, MeasuredRun>,
): ImplementationResult[] {
  const naiveMedian = runs.get('sync-all-naive')?.stats.medianMs;
  return [...runs].map(([name, run]) => ({
    implementation: name,
    includes: SYNC_INCLUDES[name],
    stats: run.stats,
    deliveriesPerSecond: null,
    speedupOverNaive:
      naiveMedian !== undefined && name.startsWith('sync-all')
        ? naiveMedian / run.stats.medianMs
        : null,
    ratioToFloor: null,
    memory: run.memory,
  }));
}

/** The scenario's result. */
export function syncScenarioResult(
  scenario: SyncScenario,
  setup: SyncSetup,
  agreement: ScenarioResult['agreement'],
  implementations: readonly ImplementationResult[],
  frame: ScenarioFrame,
): ScenarioResult {
  const { allKnown, window, workload } = setup;
  return {
    name: scenario.name,
    kind: 'sync',
    description: scenario.description,
    sweep: false,
    workload: {
      ...workloadFigures(workload),
      batchSize: window.length,
      recipientsPerBatch: 1,
      deliveriesPerBatch: window.length,
      maxPairsPerBatch: allKnown.length,
      generationSeconds: setup.generationSeconds,
    },
    agreement,
    implementations,
    ...frame,
  };
}

/** Runs a sync scenario: setup, agreement (untimed), timings, result. */
export async function runSyncScenario(
  scenario: SyncScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const run = new ScenarioRun(scenario.name, options.progress);
  const setup = prepareSync(scenario, run);
  const implementations = syncImplementations(setup);
  run.say('checking that the implementations agree');
  const agreement = await checkSyncAgreement(setup, implementations);
  if (options.failOnDisagreement !== false) assertAgreement(scenario.name, agreement);
  const runs = await measureSync(scenario, setup, implementations, run.say);
  const results = syncImplementationResults(runs);
  return syncScenarioResult(scenario, setup, agreement, results, run.finish());
}
