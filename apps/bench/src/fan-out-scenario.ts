/**
 * Runs one fan-out scenario in this process: generates the workload, checks that the three
 * implementations agree on a batch set aside for it, then times each implementation on the
 * same batches (engine, naive, floor; and, when asked, module-only routing).
 *
 * @example
 * ```ts
 * const result = await runFanOutScenario(fullScenarios()[0] as FanOutScenario, { progress });
 * result.implementations.find((i) => i.implementation === 'engine')?.stats.medianMs;
 * ```
 * @module
 */
import { assertAgreement } from './agreement.ts';
import { planCostly } from './costly-plan.ts';
import { checkFanOutAgreement } from './fan-out-agreement.ts';
import { fanOutScenarioResult, implementationResults } from './fan-out-results.ts';
import { prepareFanOut } from './fan-out-setup.ts';
import { measureFanOut } from './fan-out-timings.ts';
import type { ScenarioResult } from './results.ts';
import { type RunOptions, ScenarioRun } from './scenario-run.ts';
import type { FanOutScenario } from './scenarios.ts';

/** Runs a fan-out scenario: setup, agreement (untimed), timings, result. */
export async function runFanOutScenario(
  scenario: FanOutScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const run = new ScenarioRun(scenario.name, options.progress);
  const setup = await prepareFanOut(scenario, run);
  // Implementations that materialize every (recipient, state) pair are run on fewer batches,
  // or skipped, by the number of pairs a batch holds.
  const costly = planCostly(scenario, setup);
  run.say('checking that the implementations agree');
  const agreement = await checkFanOutAgreement(setup, costly.skip, scenario.route);
  if (options.failOnDisagreement !== false) assertAgreement(scenario.name, agreement);
  const timings = await measureFanOut(scenario, setup, costly, run.say);
  const implementations = implementationResults(timings, costly);
  const frame = run.finish();
  return fanOutScenarioResult(scenario, {
    setup,
    costly,
    agreement,
    timings,
    implementations,
    frame,
  });
}
