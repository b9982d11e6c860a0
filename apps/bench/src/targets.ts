/**
 * The project's performance targets, evaluated on the results: PASS/MISS with the measured
 * ratio and, when missed, by how much.
 *
 * @example
 * ```ts
 * for (const target of evaluateTargets(results.scenarios)) console.log(target.id, target.pass);
 * ```
 * @module
 */
import type { ImplementationResult, ScenarioResult, TargetResult } from './results.ts';

const GIB = 1024 ** 3;

function implementation(
  scenarios: readonly ScenarioResult[],
  scenario: string,
  name: string,
): ImplementationResult | undefined {
  return scenarios
    .find((s) => s.name === scenario)
    ?.implementations.find((i) => i.implementation === name && i.stats.samples > 0);
}

function notMeasured(id: string, description: string, goal: string, why: string): TargetResult {
  return { id, description, goal, measured: null, pass: false, note: `not measured: ${why}` };
}

function atLeast(
  id: string,
  description: string,
  measured: number | null | undefined,
  goal: number,
  extra = '',
): TargetResult {
  const goalText = `>= ${goal}x`;
  if (measured === null || measured === undefined || !Number.isFinite(measured)) {
    return notMeasured(id, description, goalText, 'the scenario or an implementation did not run');
  }
  const pass = measured >= goal;
  const note = pass
    ? `${measured.toFixed(1)}x`
    : `missed by a factor of ${(goal / measured).toFixed(1)} (${measured.toFixed(1)}x measured)`;
  return { id, description, goal: goalText, measured, pass, note: `${note}${extra}` };
}

function atMost(
  id: string,
  description: string,
  measured: number | null | undefined,
  goal: number,
  extra = '',
): TargetResult {
  const goalText = `<= ${goal}x`;
  if (measured === null || measured === undefined || !Number.isFinite(measured)) {
    return notMeasured(id, description, goalText, 'the scenario or an implementation did not run');
  }
  const pass = measured <= goal;
  const note = pass
    ? `${measured.toFixed(2)}x`
    : `missed by a factor of ${(measured / goal).toFixed(1)} (${measured.toFixed(1)}x the floor measured)`;
  return { id, description, goal: goalText, measured, pass, note: `${note}${extra}` };
}

/** The same figure for the other engine variants (flat view; states read), for the notes. */
function withStates(
  scenarios: readonly ScenarioResult[],
  scenario: string,
  naive: boolean,
): string {
  const parts: string[] = [];
  for (const [name, label] of [
    ['engine-flat', 'with the flat localGroups view'],
    ['engine+states', "reading every group's states too"],
  ] as const) {
    const variant = implementation(scenarios, scenario, name);
    const figure = naive ? variant?.speedupOverNaive : variant?.ratioToFloor;
    if (figure === null || figure === undefined) continue;
    parts.push(
      naive
        ? `${label}: ${figure.toFixed(1)}x faster than naive`
        : `${label}: ${figure.toFixed(1)}x the floor`,
    );
  }
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** Evaluates the five targets of the issue on a full run's scenarios. */
export function evaluateTargets(scenarios: readonly ScenarioResult[]): TargetResult[] {
  const targets: TargetResult[] = [
    atLeast(
      'fan-out-vs-naive/pareto-20k',
      'Grouped fan-out (engine) at least 50x faster than naive on pareto-20k (median per batch)',
      implementation(scenarios, 'pareto-20k', 'engine')?.speedupOverNaive,
      50,
      withStates(scenarios, 'pareto-20k', true),
    ),
    atMost(
      'fan-out-vs-floor/pareto-100k',
      'Engine within 3x of the floor on pareto-100k (median per batch)',
      implementation(scenarios, 'pareto-100k', 'engine')?.ratioToFloor,
      3,
      withStates(scenarios, 'pareto-100k', false),
    ),
    atMost(
      'fan-out-vs-floor/universal-20k',
      'Engine within 3x of the floor on universal-20k (median per batch)',
      implementation(scenarios, 'universal-20k', 'engine')?.ratioToFloor,
      3,
      withStates(scenarios, 'universal-20k', false),
    ),
    atLeast(
      'route-vs-naive/pareto-20k',
      "getUsersForStates, every recipient's states read once, at least 2x faster than naive on pareto-20k",
      implementation(scenarios, 'pareto-20k', 'engine-route')?.speedupOverNaive,
      2,
    ),
  ];
  const million = scenarios.find((s) => s.name === 'scale-1m');
  const goal = '<= 24 GiB peak RSS';
  if (million === undefined) {
    targets.push(
      notMeasured(
        'memory/scale-1m',
        'The 1M-user sweep point completes within 24 GiB',
        goal,
        'scale-1m did not complete',
      ),
    );
  } else {
    const gib = million.peakRssBytes / GIB;
    const pass = gib <= 24;
    targets.push({
      id: 'memory/scale-1m',
      description: 'The 1M-user sweep point completes within 24 GiB',
      goal,
      measured: gib,
      pass,
      note: pass
        ? `${gib.toFixed(2)} GiB peak RSS (its own process)`
        : `missed by ${(gib - 24).toFixed(2)} GiB`,
    });
  }
  return targets;
}
