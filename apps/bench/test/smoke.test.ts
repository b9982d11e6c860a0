import { describe, expect, it } from 'vitest';
import { runBench } from '../src/bench-run.ts';
import { smokeScenarios } from '../src/scenarios.ts';

describe('bench:smoke', () => {
  it('runs every scenario at tiny sizes and the implementations agree', async () => {
    const scenarios = smokeScenarios();
    const { results, failures } = await runBench({ mode: 'smoke', scenarios });
    expect(failures.map((f) => f.error.message)).toEqual([]);
    expect(results.scenarios.map((s) => s.name)).toEqual(scenarios.map((s) => s.name));
    for (const scenario of results.scenarios) {
      expect(scenario.agreement.length).toBeGreaterThan(0);
      for (const check of scenario.agreement) {
        expect({ scenario: scenario.name, what: check.what, problems: check.problems }).toEqual({
          scenario: scenario.name,
          what: check.what,
          problems: [],
        });
        expect(check.agree).toBe(true);
      }
      for (const implementation of scenario.implementations) {
        expect(implementation.stats.samples).toBeGreaterThan(0);
      }
    }
    const kinds = new Set(
      results.scenarios.flatMap((s) => s.implementations.map((i) => i.implementation)),
    );
    for (const name of [
      'engine',
      'engine+states',
      'naive',
      'floor',
      'engine-route',
      'naive-route',
      'floor-route',
      'sync-all',
      'sync-all-naive',
      'sync-member',
    ]) {
      expect(kinds.has(name)).toBe(true);
    }
  }, 600_000);
});
