/**
 * The narrowing scenario (issue 12, "the cost of narrowing"): on the Pareto workload with
 * remote members, the grouped engine with module denials (10% of the users deny one large
 * room, 5% share only locally) against the same engine additive-only and the floor; the
 * operator-policy variant (`deny.rooms` + `max_room_size`); and MSC4495's
 * `selectiveRecipientsForBatch` against the engine's default routing. Every implementation
 * runs on the same batches in each of several rounds (rotated order); ratios are of
 * medians and, batch by batch, of the same batch in the same round (p50 / p99).
 *
 * @example
 * ```ts
 * const result = await runNarrowingScenario(scenario, { progress });
 * result.narrowing?.goalMet;
 * ```
 * @module
 */
import { assertAgreement } from './agreement.ts';
import { engineDeliver } from './engine-fan-out.ts';
import { latencyPercentiles, type MemoryPeak, measureBatches, timingStats } from './measurement.ts';
import { selectiveRecipientsForBatch } from './msc-world.ts';
import {
  checkAgainstReference,
  checkNarrowedNotMore,
  mscCounts,
  recipientsOfBatches,
} from './narrowing-checks.ts';
import type { NarrowingFigures, NarrowingScenario, PairedRatio } from './narrowing-results.ts';
import { type NarrowingSetup, prepareNarrowing } from './narrowing-setup.ts';
import type { ImplementationResult, ScenarioResult } from './results.ts';
import { type RunOptions, ScenarioRun, workloadFigures } from './scenario-run.ts';
import type { UpdateBatch } from './workload-batches.ts';

/** The timed implementations, by name, and what one call includes. */
function implementations(setup: NarrowingSetup) {
  const { routers, floor, msc } = setup;
  return {
    'narrow:additive': {
      includes:
        "engine (example router only): router.fanOut + every group's memberIds + result.remote",
      work: (b: UpdateBatch) => engineDeliver(routers.additive, b.states),
    },
    'narrow:denied': {
      includes:
        "as narrow:additive, plus a module's getDeniedRecipients (10% deny a large room, 5% every remote server)",
      work: (b: UpdateBatch) => engineDeliver(routers.narrowed, b.states),
    },
    'narrow:policy': {
      includes: 'as narrow:additive, under presence.deny.rooms [large room] + max_room_size',
      work: (b: UpdateBatch) => engineDeliver(routers.policy, b.states),
    },
    'narrow:floor': {
      includes: "the floor (additive): union of the touched rooms' members over integers",
      work: (b: UpdateBatch) => floor.fanOut(b.users),
    },
    'msc:default': {
      includes: 'engine with no modules (default routing): fanOut + memberIds + result.remote',
      work: (b: UpdateBatch) => engineDeliver(routers.default, b.states),
    },
    'msc:selective': {
      includes: 'selectiveRecipientsForBatch (MSC4495) over cached room facts: a Set per update',
      work: (b: UpdateBatch) =>
        selectiveRecipientsForBatch(
          b.states.map((s) => s.userId),
          msc.world,
        ),
    },
  } as const;
}

type Name = keyof ReturnType<typeof implementations>;

function paired(a: readonly number[], b: readonly number[]): PairedRatio {
  const ratios = a.map((x, i) => x / (b[i] as number));
  const p = latencyPercentiles(ratios);
  return {
    ratioOfMedians: timingStats(a).medianMs / timingStats(b).medianMs,
    pairedP50: p.p50Ms,
    pairedP99: p.p99Ms,
  };
}

function maxMemory(peaks: readonly MemoryPeak[]): MemoryPeak {
  return {
    baselineHeapBytes: Math.min(...peaks.map((p) => p.baselineHeapBytes)),
    peakHeapBytes: Math.max(...peaks.map((p) => p.peakHeapBytes)),
    baselineRssBytes: Math.min(...peaks.map((p) => p.baselineRssBytes)),
    peakRssBytes: Math.max(...peaks.map((p) => p.peakRssBytes)),
  };
}

/** Runs the narrowing scenario: setup, checks (untimed), rounds of timings, figures. */
export async function runNarrowingScenario(
  scenario: NarrowingScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const run = new ScenarioRun(scenario.name, options.progress);
  const setup = await prepareNarrowing(scenario, run);
  run.say('checking the engines against the naive reference');
  const agreement = await checkAgainstReference(setup, scenario);
  const additiveRecipients = await recipientsOfBatches(
    setup.routers.additive,
    setup.measuredBatches,
  );
  const narrowedRecipients = await recipientsOfBatches(
    setup.routers.narrowed,
    setup.measuredBatches,
  );
  const policyRecipients = await recipientsOfBatches(setup.routers.policy, setup.measuredBatches);
  const defaultRecipients = await recipientsOfBatches(
    setup.routers.default,
    setup.measuredBatches.slice(0, scenario.mscBatches),
  );
  agreement.push(checkNarrowedNotMore(narrowedRecipients, additiveRecipients));
  run.say('counting MSC4495 and default recipients per update');
  const mscBatches = setup.measuredBatches.slice(0, scenario.mscBatches);
  const counts = mscCounts(setup, mscBatches);
  agreement.push(counts.check);
  if (options.failOnDisagreement !== false) assertAgreement(scenario.name, agreement);

  const impls = implementations(setup);
  const names = Object.keys(impls) as Name[];
  const durations = new Map<Name, number[]>(names.map((n) => [n, []]));
  const memory = new Map<Name, MemoryPeak[]>(names.map((n) => [n, []]));
  for (let round = 0; round < scenario.rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length] as Name);
    for (const name of order) {
      // The MSC4495 pair runs on its few batches (the counting pass warmed them up).
      const msc = name.startsWith('msc:');
      const measured = await measureBatches(
        msc ? mscBatches : setup.timed,
        {
          warmup: msc ? 0 : scenario.warmup,
          onBatch: (done, total) =>
            run.say(`round ${round + 1}/${scenario.rounds}: ${name} ${done}/${total}`),
        },
        impls[name].work,
      );
      durations.get(name)?.push(...measured.durationsMs);
      memory.get(name)?.push(measured.memory);
    }
  }
  const d = (name: Name) => durations.get(name) ?? [];
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const recipientsPer: Record<Name, number> = {
    'narrow:additive': mean(additiveRecipients),
    'narrow:denied': mean(narrowedRecipients),
    'narrow:policy': mean(policyRecipients),
    'narrow:floor': mean(additiveRecipients),
    'msc:default': mean(defaultRecipients),
    'msc:selective': counts.mscRecipients / Math.max(1, mscBatches.length),
  };
  const floorMedian = timingStats(d('narrow:floor')).medianMs;
  const implementationResults: ImplementationResult[] = names.map((name) => {
    const stats = timingStats(d(name));
    return {
      implementation: name,
      includes: impls[name].includes,
      stats,
      deliveriesPerSecond: null,
      speedupOverNaive: null,
      ratioToFloor: name.startsWith('narrow:') ? stats.medianMs / floorMedian : null,
      memory: maxMemory(memory.get(name) ?? []),
    };
  });
  const narrowedVsAdditive = paired(d('narrow:denied'), d('narrow:additive'));
  const perUpdate = (n: number) => n / Math.max(1, counts.updates);
  const figures: NarrowingFigures = {
    largeRoomId: setup.narrowing.roomId,
    largeRoomMembers: setup.narrowing.roomSize,
    denyingUsers: setup.narrowing.denyingUsers,
    localOnlyUsers: setup.narrowing.localOnlyUsers,
    remoteServers: setup.narrowing.remoteServers.length,
    maxRoomSize: scenario.maxRoomSize,
    rounds: scenario.rounds,
    timings: names.map((name) => {
      const p = latencyPercentiles(d(name));
      return {
        implementation: name,
        samples: p.samples,
        p50Ms: p.p50Ms,
        p99Ms: p.p99Ms,
        recipientsPerBatch: recipientsPer[name],
      };
    }),
    narrowedVsAdditive,
    narrowedVsFloor: paired(d('narrow:denied'), d('narrow:floor')),
    additiveVsFloor: paired(d('narrow:additive'), d('narrow:floor')),
    policyVsAdditive: paired(d('narrow:policy'), d('narrow:additive')),
    goal: scenario.goal,
    goalMet: narrowedVsAdditive.ratioOfMedians < scenario.goal,
    msc: {
      updates: counts.updates,
      batches: mscBatches.length,
      settingsKinds: setup.msc.kinds,
      suggestShare: setup.msc.suggestShare,
      defaultRecipientsPerUpdate: perUpdate(counts.defaultRecipients),
      mscRecipientsPerUpdate: perUpdate(counts.mscRecipients),
      defaultEdusPerUpdate: perUpdate(counts.defaultEdus),
      mscEdusPerUpdate: perUpdate(counts.mscEdus),
      computeVsDefault: paired(d('msc:selective'), d('msc:default')),
    },
  };
  const frame = run.finish();
  return {
    name: scenario.name,
    kind: 'narrowing',
    description: scenario.description,
    sweep: false,
    workload: {
      ...workloadFigures(setup.workload),
      batchSize: setup.batchSize,
      recipientsPerBatch: mean(additiveRecipients),
      deliveriesPerBatch: null,
      maxPairsPerBatch: 0,
      generationSeconds: setup.generationSeconds,
      prewarmSeconds: setup.prewarmSeconds,
    },
    agreement,
    implementations: implementationResults,
    narrowing: figures,
    ...frame,
  };
}
