import { describe, expect, it, vi } from 'vitest';
import { type AgreementCheck, assertAgreement } from '../src/agreement.ts';
import { costlyPlan } from '../src/costly-plan.ts';
import { BenchError } from '../src/errors.ts';
import { createWorkloadRouting } from '../src/example-router-module.ts';
import { prewarmMemberLists } from '../src/fan-out-setup.ts';
import { generateRouterPlan } from '../src/router-config.ts';
import type { FanOutScenario } from '../src/scenarios.ts';
import { smokeScenarios } from '../src/scenarios.ts';
import { generateWorkload } from '../src/workload.ts';
import { generateBatches, type UpdateBatch } from '../src/workload-batches.ts';

const base = smokeScenarios()[0] as FanOutScenario;
const scenario: FanOutScenario = {
  ...base,
  warmup: 2,
  measured: 4,
  costlyMaxPairs: 1000,
  costlyReducedPairs: 100,
  costlyBatches: 3,
};
/** Six distinct batches: two warm-up, four measured. */
const timed: UpdateBatch[] = Array.from({ length: 6 }, () => ({
  users: new Int32Array(0),
  states: [],
}));

describe('costlyPlan', () => {
  it.each([
    { maxPairs: 50, batches: timed, warmup: 2, note: undefined },
    { maxPairs: 100, batches: timed, warmup: 2, note: undefined },
    {
      maxPairs: 101,
      batches: timed.slice(2, 5),
      warmup: 0,
      note: '3 timed batches only (up to 101 pairs per batch)',
    },
    {
      maxPairs: 1000,
      batches: timed.slice(2, 5),
      warmup: 0,
      note: '3 timed batches only (up to 1,000 pairs per batch)',
    },
    {
      maxPairs: 1001,
      batches: [],
      warmup: 0,
      note: 'skipped: up to 1,001 (recipient, state) pairs per batch (limit 1,000)',
    },
  ])('at $maxPairs pairs: $note', ({ maxPairs, batches, warmup, note }) => {
    const plan = costlyPlan(scenario, timed, maxPairs);
    expect(plan).toEqual({ skip: maxPairs > 1000, batches, warmup, note, maxPairs });
    plan.batches.forEach((batch, i) => {
      expect(batch).toBe(batches[i]);
    });
  });

  it('runs no more reduced batches than measured ones', () => {
    const plan = costlyPlan({ ...scenario, costlyBatches: 10 }, timed, 500);
    expect(plan.batches).toEqual(timed.slice(2, 6));
    expect(plan.note).toBe('4 timed batches only (up to 500 pairs per batch)');
  });
});

describe('assertAgreement', () => {
  const agree: AgreementCheck = {
    what: 'fan-out',
    agree: true,
    recipients: 3,
    deliveries: 3,
    problems: [],
  };
  const disagree = (what: string): AgreementCheck => ({
    what,
    agree: false,
    recipients: 3,
    deliveries: 2,
    problems: ['@u1:bench.test: recipient for engine, not for floor', '…'],
  });

  it('passes when every check agrees', () => {
    expect(() => assertAgreement('pareto-20k', [agree, agree])).not.toThrow();
  });

  it('throws a DISAGREEMENT naming the scenario and the first failing check', () => {
    let error: unknown;
    try {
      assertAgreement('pareto-20k', [agree, disagree('routing'), disagree('sync')]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BenchError);
    expect(error).toMatchObject({
      code: 'DISAGREEMENT',
      scenario: 'pareto-20k',
      message:
        'pareto-20k: routing disagree: @u1:bench.test: recipient for engine, not for floor; …',
    });
  });
});

describe('prewarmMemberLists', () => {
  it('has the engine look up (and so intern) every room the server participates in, once', async () => {
    // Half the users remote: some rooms have no local member; 10,000 rooms: three calls.
    const workload = generateWorkload({
      users: 10_000,
      shape: 'pareto',
      seed: 3,
      remoteShare: 0.5,
    });
    const routing = createWorkloadRouting(workload, generateRouterPlan(workload, { seed: 3 }));
    const [batch] = generateBatches(workload, { size: 1, count: 1, seed: 3 });
    const lookUp = vi.spyOn(routing.membership, 'getJoinedMembers');
    await prewarmMemberLists(workload, routing, batch?.states[0] as UpdateBatch['states'][0]);
    const asked = lookUp.mock.calls.flatMap(([roomIds]) => [...roomIds]);
    const participating = Array.from({ length: workload.roomCount }, (_, r) => r)
      .filter((r) => workload.participating[r] === 1)
      .map((r) => workload.roomIdOf(r));
    expect(participating.length).toBeLessThan(workload.roomCount);
    expect(asked.sort()).toEqual(participating.sort());
    expect(lookUp.mock.calls.length).toBeGreaterThan(1);
  });
});
