/**
 * The scaling chart: median time per batch vs users, log-log, one line per implementation
 * (engine and floor at every sweep point; naive and engine+states where they ran), drawn
 * with vega-lite compiled to vega and rendered headless to SVG (no canvas needed).
 *
 * @example
 * ```ts
 * writeFileSync('results/scaling.svg', await scalingChartSvg(results.scenarios));
 * ```
 * @module
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ScenarioResult } from './results.ts';

/** One point of the chart. */
export interface ScalingPoint {
  readonly users: number;
  readonly implementation: string;
  readonly medianMs: number;
  readonly batchSize: number;
}

/** The sweep's points (measured implementations only). */
export function scalingPoints(scenarios: readonly ScenarioResult[]): ScalingPoint[] {
  const points: ScalingPoint[] = [];
  for (const s of scenarios) {
    if (!s.sweep) continue;
    for (const impl of s.implementations) {
      if (impl.stats.samples === 0 || !(impl.stats.medianMs > 0)) continue;
      points.push({
        users: s.workload.users,
        implementation: impl.implementation,
        medianMs: impl.stats.medianMs,
        batchSize: s.workload.batchSize,
      });
    }
  }
  return points;
}

/** The vega-lite specification of the chart. */
export function scalingChartSpec(points: readonly ScalingPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Fan-out time per batch vs users (log-log)',
      subtitle:
        'Pareto rooms; batches of 1,000 updates (a tenth of the users below 10k); median per batch',
    },
    width: 560,
    height: 360,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'users', type: 'quantitative', scale: { type: 'log' }, title: 'users' },
      y: {
        field: 'medianMs',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'median time per batch (ms)',
      },
      color: { field: 'implementation', type: 'nominal', title: 'implementation' },
      tooltip: [
        { field: 'implementation' },
        { field: 'users', format: ',' },
        { field: 'batchSize', format: ',' },
        { field: 'medianMs', format: '.3f' },
      ],
    },
  };
}

/** Renders the chart to an SVG document. */
export async function scalingChartSvg(scenarios: readonly ScenarioResult[]): Promise<string> {
  const spec = compile(scalingChartSpec(scalingPoints(scenarios))).spec;
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
