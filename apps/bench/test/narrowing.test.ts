import { describe, expect, it } from 'vitest';
import { createWorkloadRouting } from '../src/example-router-module.ts';
import { generateFanOutData } from '../src/fan-out-setup.ts';
import { generateNarrowingPlan } from '../src/narrowing-plan.ts';
import { compareWithReference, referenceNarrowedFanOut } from '../src/narrowing-reference.ts';
import { narrowingText } from '../src/narrowing-report.ts';
import type { NarrowingScenario } from '../src/narrowing-results.ts';
import { runNarrowingScenario } from '../src/narrowing-scenario.ts';
import { smokeScenarios } from '../src/scenarios.ts';

function smokeNarrowing(): NarrowingScenario {
  const scenario = smokeScenarios().find((s) => s.kind === 'narrowing');
  if (scenario?.kind !== 'narrowing') throw new Error('no narrowing smoke scenario');
  return scenario;
}

describe('narrowing scenario (smoke size)', () => {
  it('agrees with the reference, narrows, and MSC4495 sends no more than default routing', async () => {
    const result = await runNarrowingScenario(smokeNarrowing());
    expect(result.agreement.length).toBe(5);
    for (const check of result.agreement) {
      expect({ what: check.what, problems: check.problems }).toEqual({
        what: check.what,
        problems: [],
      });
    }
    const f = result.narrowing;
    expect(f).toBeDefined();
    if (f === undefined) return;
    expect(f.denyingUsers).toBeGreaterThan(0);
    expect(f.localOnlyUsers).toBeGreaterThan(0);
    const recipients = new Map(f.timings.map((t) => [t.implementation, t.recipientsPerBatch]));
    expect(recipients.get('narrow:denied')).toBeLessThanOrEqual(
      recipients.get('narrow:additive') ?? 0,
    );
    expect(recipients.get('narrow:policy')).toBeLessThan(recipients.get('narrow:additive') ?? 0);
    expect(f.msc.mscRecipientsPerUpdate).toBeLessThan(f.msc.defaultRecipientsPerUpdate);
    expect(f.msc.mscEdusPerUpdate).toBeLessThanOrEqual(f.msc.defaultEdusPerUpdate);
    for (const r of [
      f.narrowedVsAdditive,
      f.narrowedVsFloor,
      f.policyVsAdditive,
      f.msc.computeVsDefault,
    ]) {
      expect(Number.isFinite(r.ratioOfMedians) && r.ratioOfMedians > 0).toBe(true);
      expect(r.pairedP50).toBeLessThanOrEqual(r.pairedP99);
    }
    expect(narrowingText([result])).toContain('narrowed / additive (goal < 1.5x)');
  }, 120_000);

  it('the reference check fails when the engine did not apply the denials', async () => {
    const scenario = smokeNarrowing();
    const data = generateFanOutData(scenario);
    const narrowing = generateNarrowingPlan(data.workload, { seed: scenario.workload.seed });
    const { router } = createWorkloadRouting(data.workload, data.plan); // additive only
    const reference = referenceNarrowedFanOut(data.workload, data.plan, data.checkBatch.users, {
      narrowing,
    });
    const check = compareWithReference(
      await router.fanOut(data.checkBatch.states),
      reference,
      data.workload,
    );
    expect(check.agree).toBe(false);
    expect(check.problems.length).toBeGreaterThan(0);
  });
});
