import { describe, expect, it } from 'vitest';
import { markdownReport, textReport } from '../src/report-table.ts';
import type { BenchResults, ImplementationResult, ScenarioResult } from '../src/results.ts';
import { scalingChartSvg, scalingPoints } from '../src/scaling-chart.ts';
import { evaluateTargets } from '../src/targets.ts';

function impl(
  implementation: string,
  medianMs: number,
  extra: Partial<ImplementationResult> = {},
): ImplementationResult {
  return {
    implementation,
    includes: `what ${implementation} includes`,
    stats: {
      samples: 5,
      medianMs,
      p95Ms: medianMs * 1.2,
      meanMs: medianMs,
      minMs: medianMs,
      maxMs: medianMs,
    },
    deliveriesPerSecond: null,
    speedupOverNaive: null,
    ratioToFloor: null,
    memory: {
      baselineHeapBytes: 1,
      peakHeapBytes: 2 ** 20,
      baselineRssBytes: 1,
      peakRssBytes: 2 ** 21,
    },
    ...extra,
  };
}

function scenario(
  name: string,
  users: number,
  implementations: ImplementationResult[],
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    name,
    kind: 'fan-out',
    description: name,
    sweep: name.startsWith('scale-'),
    workload: {
      users,
      localUsers: users,
      rooms: users,
      memberships: users * 10,
      largestRoom: users,
      batchSize: 100,
      recipientsPerBatch: users,
      deliveriesPerBatch: users * 100,
      maxPairsPerBatch: users * 120,
      generationSeconds: 0.1,
    },
    agreement: [{ what: 'fan-out', agree: true, recipients: users, deliveries: 1, problems: [] }],
    implementations,
    peakRssBytes: 2 ** 30,
    peakHeapBytes: 2 ** 29,
    seconds: 1,
    ...extra,
  };
}

const scenarios: ScenarioResult[] = [
  scenario('pareto-20k', 20_000, [
    impl('engine', 2, { speedupOverNaive: 60, ratioToFloor: 4 }),
    impl('naive', 120),
    impl('engine-route', 1, { speedupOverNaive: 1.5 }),
  ]),
  scenario('pareto-100k', 100_000, [impl('engine', 10, { ratioToFloor: 2.5 })]),
  scenario('scale-1k', 1000, [impl('engine', 1), impl('floor', 0.1)]),
  scenario('scale-1m', 1_000_000, [impl('engine', 100), impl('floor', 10)], {
    peakRssBytes: 3 * 2 ** 30,
  }),
];

describe('evaluateTargets', () => {
  const byId = Object.fromEntries(evaluateTargets(scenarios).map((t) => [t.id, t]));
  it.each([
    { id: 'fan-out-vs-naive/pareto-20k', pass: true, measured: 60 },
    { id: 'fan-out-vs-floor/pareto-100k', pass: true, measured: 2.5 },
    { id: 'route-vs-naive/pareto-20k', pass: false, measured: 1.5 },
    { id: 'fan-out-vs-floor/universal-20k', pass: false, measured: null },
    { id: 'memory/scale-1m', pass: true, measured: 3 },
  ])('$id: pass $pass, measured $measured', ({ id, pass, measured }) => {
    expect(byId[id]).toMatchObject({ pass, measured });
  });

  it('says by how much a target was missed', () => {
    expect(byId['route-vs-naive/pareto-20k']?.note).toMatch(/missed by a factor of 1\.3/);
  });
});

describe('reports', () => {
  const results: BenchResults = {
    mode: 'full',
    startedAt: '2026-11-27T00:00:00.000Z',
    seconds: 60,
    environment: {
      node: 'v20',
      platform: 'linux x64',
      cpus: 2,
      cpuModel: 'test',
      totalMemoryGiB: 24,
      execArgv: ['--expose-gc'],
      gitCommit: '0123456789abcdef',
      coreClean: true,
    },
    scenarios,
    targets: evaluateTargets(scenarios),
  };

  it('prints every measurement, the targets and what each timing includes', () => {
    const text = textReport(results);
    expect(text).toMatch(/pareto-20k\s+engine\s+2\.00/);
    expect(text).toContain('MISS');
    expect(text).toContain('what engine-route includes');
    const md = markdownReport(results);
    expect(md).toContain('| pareto-100k | engine |');
    expect(md).toContain('**PASS**');
  });

  it('draws the scaling chart from the sweep scenarios only', async () => {
    expect(scalingPoints(scenarios).map((p) => `${p.implementation}@${p.users}`)).toEqual([
      'engine@1000',
      'floor@1000',
      'engine@1000000',
      'floor@1000000',
    ]);
    const svg = await scalingChartSvg(scenarios);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('engine');
    expect(svg).toContain('floor');
  });
});
