import { MAX_EDUS_PER_TRANSACTION, MAX_PRESENCE_STATES_PER_EDU } from '@presence-router/federation';
import { describe, expect, it } from 'vitest';
import { runBench } from '../src/bench-run.ts';
import { textReport } from '../src/report-table.ts';
import type { ScenarioResult } from '../src/results.ts';
import { type FederationScenario, smokeScenarios } from '../src/scenarios.ts';

/** The federation figures follow from what was sent and the sender's packing limits. */
function expectFederationFigures(result: ScenarioResult, scenario: FederationScenario): void {
  const figures = result.federation;
  expect(figures).toBeDefined();
  if (figures === undefined) return;
  const perTransaction = MAX_EDUS_PER_TRANSACTION * MAX_PRESENCE_STATES_PER_EDU;
  expect(figures.throughput.map((t) => `${t.mode} to ${t.destinations}`)).toEqual(
    scenario.throughput.map((p) => `${p.mode} to ${p.destinations}`),
  );
  expect(new Set(figures.throughput.map((t) => t.destinations))).toEqual(new Set([1, 100]));
  for (const t of figures.throughput) {
    const per = t.statesPerDestination;
    // Delivered == sent: every state of every destination (the receivers' own count is in
    // the scenario's checks, which all held).
    expect(t.states).toBe(t.destinations * per);
    if (t.mode === 'full') {
      expect(t.edus).toBe(t.destinations * Math.ceil(per / MAX_PRESENCE_STATES_PER_EDU));
      expect(t.transactions).toBe(t.destinations * Math.ceil(per / perTransaction));
    } else {
      expect(t.edus).toBe(t.destinations * per);
      expect(t.transactions).toBe(t.destinations * per);
    }
    expect(t.latency.samples).toBe(t.states);
    for (const figure of [
      t.edusPerSecond,
      t.transactionsPerSecond,
      t.signedVsUnsigned,
      t.signingMsPerTransaction,
      t.signingCpuShare,
    ]) {
      expect(figure).toBeGreaterThan(0);
      expect(Number.isFinite(figure)).toBe(true);
    }
    expect(t.latency.p50Ms).toBeLessThanOrEqual(t.latency.p99Ms);
  }
  const feeds = new Map(figures.batching.map((b) => [b.feed, b]));
  expect([...feeds.keys()]).toEqual(['drained', 'back-to-back']);
  for (const b of figures.batching) {
    expect(b.batches).toBe(scenario.batching.measured);
    expect(b.destinations).toBeGreaterThan(1);
    expect(b.destinations).toBeLessThanOrEqual(figures.receivingServers);
    // The specification's limits: at most 100 EDUs per transaction (of at most 50 states).
    expect(b.statesPerTransaction).toBeGreaterThanOrEqual(1);
    expect(b.statesPerTransaction).toBeLessThanOrEqual(perTransaction);
    expect(b.edusPerTransaction).toBeGreaterThanOrEqual(1);
    expect(b.edusPerTransaction).toBeLessThanOrEqual(MAX_EDUS_PER_TRANSACTION);
    expect(b.statesPerEdu).toBeLessThanOrEqual(MAX_PRESENCE_STATES_PER_EDU);
    expect(b.states).toBeLessThanOrEqual(b.pairs);
    expect(b.batchingRatio).toBeGreaterThanOrEqual(1);
  }
  const drained = feeds.get('drained');
  const backToBack = feeds.get('back-to-back');
  // Drained: each batch is its own transaction per destination, every pair sent once.
  expect(drained?.states).toBe(drained?.pairs);
  expect(drained?.transactions).toBeLessThanOrEqual(
    (drained?.batches ?? 0) * (drained?.destinations ?? 0),
  );
  // Queued back to back, what waits behind a transaction in flight goes together.
  expect(backToBack?.transactions).toBeLessThanOrEqual(drained?.transactions ?? 0);
  expect(backToBack?.pairs).toBe(drained?.pairs);
}

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
    const federation = scenarios.find((s) => s.kind === 'federation');
    const federationResult = results.scenarios.find((s) => s.kind === 'federation');
    expect(federation).toBeDefined();
    expect(federationResult).toBeDefined();
    if (federation !== undefined && federationResult !== undefined) {
      expectFederationFigures(federationResult, federation);
    }
    // The federation tables are printed after the local fan-out table.
    const report = textReport(results);
    expect(report.indexOf('Federation: signed transactions')).toBeGreaterThan(
      report.indexOf('pareto-20k (smoke)  engine'),
    );
    expect(report).toContain('federation (smoke)  single to 100');
    expect(report).toContain('federation (smoke)  back-to-back');
  }, 600_000);
});
