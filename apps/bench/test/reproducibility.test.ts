import { describe, expect, it } from 'vitest';
import { generateRouterPlan, type RouterPlan } from '../src/router-config.ts';
import { type SyncScenario, smokeScenarios } from '../src/scenarios.ts';
import { generateSyncData, pickSyncers } from '../src/sync-setup.ts';
import { generateWorkload, type Workload, type WorkloadOptions } from '../src/workload.ts';
import { generateBatches, type UpdateBatch } from '../src/workload-batches.ts';

/** FNV-1a over 32-bit integers and strings: a checksum of everything a generator made. */
class Checksum {
  #hash = 0x811c9dc5;

  ints(values: Iterable<number>): this {
    for (const value of values) {
      this.#hash = Math.imul(this.#hash ^ (value | 0), 0x01000193) >>> 0;
    }
    return this;
  }

  text(value: string): this {
    return this.ints(Array.from(value, (c) => c.charCodeAt(0)));
  }

  get value(): string {
    return this.#hash.toString(16).padStart(8, '0');
  }
}

function workloadSum(workload: Workload): Checksum {
  const sum = new Checksum();
  sum.ints(workload.roomOffsets).ints(workload.roomMembers).ints(workload.isLocal);
  for (const userId of workload.userIds) sum.text(userId);
  return sum;
}

function planSum(sum: Checksum, plan: RouterPlan): Checksum {
  sum.ints(plan.alwaysSend).ints(plan.routedOffsets).ints(plan.routedRooms);
  return sum.text(JSON.stringify(plan.config));
}

function batchesSum(sum: Checksum, batches: readonly UpdateBatch[]): Checksum {
  for (const batch of batches) {
    sum.ints(batch.users);
    for (const state of batch.states) sum.text(JSON.stringify(state));
  }
  return sum;
}

/**
 * Same seeds, same numbers: the checksums were taken with the generator as it was when the
 * committed results were measured, so a change of PRNG or of drawing order shows here.
 */
describe('the generated workloads are pinned', () => {
  it.each<{ options: WorkloadOptions; expected: string }>([
    { options: { users: 3000, shape: 'pareto', seed: 42 }, expected: 'c467ab91' },
    { options: { users: 3000, shape: 'pareto', seed: 7, remoteShare: 0.1 }, expected: 'ae876a3d' },
    { options: { users: 500, shape: 'universal', seed: 20_261_127 }, expected: 'b6219be8' },
  ])('workload, plan and batches of $options', ({ options, expected }) => {
    const workload = generateWorkload(options);
    const sum = workloadSum(workload);
    planSum(sum, generateRouterPlan(workload, { seed: options.seed }));
    batchesSum(sum, generateBatches(workload, { size: 50, count: 3, seed: options.seed }));
    expect(sum.value).toBe(expected);
  });

  it('the sync scenario: its window, known states and syncing users', () => {
    const scenario = smokeScenarios().find((s): s is SyncScenario => s.kind === 'sync');
    if (scenario === undefined) throw new Error('no sync scenario');
    const data = generateSyncData(scenario);
    const syncers = pickSyncers(scenario, data);
    const sum = batchesSum(new Checksum(), [data.recent]).ints(syncers.memberSyncers);
    for (const state of data.allKnown) sum.text(JSON.stringify(state));
    expect(sum.value).toBe('832421ac');
  });
});
