/**
 * Runs the federation scenario in this process: starts the origin (`bench.test`, its key
 * served on 127.0.0.1) and the receivers' process (one verifying destination server per
 * name, `remote0.test` …), runs the throughput phases (`federation-throughput.ts`), then
 * generates the batching workload and runs its feeds (`federation-batching.ts`), and stops
 * both ends whatever happened. Every check of every part goes into the result's agreement
 * checks; a failed one fails the scenario (as a disagreement does in the others).
 *
 * @example
 * ```ts
 * const scenario = smokeScenarios().find((s) => s.kind === 'federation');
 * const result = await runFederationScenario(scenario, { progress });
 * result.federation?.throughput[0]?.edusPerSecond;
 * ```
 * @module
 */
import type { AgreementCheck } from './agreement.ts';
import { assertAgreement } from './agreement.ts';
import { withDeadline } from './deadline.ts';
import { BenchError } from './errors.ts';
import { prepareFanOut } from './fan-out-setup.ts';
import { runBatchingFeed } from './federation-batching.ts';
import { FederationOrigin } from './federation-origin.ts';
import { FederationReceivers } from './federation-receivers.ts';
import type { BatchingFigures, ThroughputFigures } from './federation-results.ts';
import { type FederationLink, phaseName, runThroughputPhase } from './federation-throughput.ts';
import { collectGarbage } from './measurement.ts';
import type { ScenarioResult } from './results.ts';
import { type RunOptions, ScenarioRun, workloadFigures } from './scenario-run.ts';
import type { FederationScenario } from './scenarios.ts';

/** The sending server's name (the workload's default server name too). */
const ORIGIN = 'bench.test';

/** The receivers' server names: `remote0.test` … (the workload's remote servers). */
export function receivingServerNames(count: number): string[] {
  return Array.from({ length: count }, (_, k) => `remote${k}.test`);
}

function validate(scenario: FederationScenario): void {
  const problems: string[] = [];
  for (const phase of scenario.throughput) {
    if (phase.destinations < 1 || phase.destinations > scenario.receivingServers) {
      problems.push(`${phaseName(phase)}: 1 to ${scenario.receivingServers} destinations`);
    }
  }
  const workload = scenario.batching.workload;
  if ((workload.remoteServers ?? 4) > scenario.receivingServers) {
    problems.push(`the batching workload has more remote servers than there are receivers`);
  }
  if ((workload.serverName ?? ORIGIN) !== ORIGIN) {
    problems.push(`the batching workload's server must be ${ORIGIN}`);
  }
  if (problems.length > 0) {
    throw new BenchError('INVALID_OPTION', `${scenario.name}: ${problems.join('; ')}`, {
      scenario: scenario.name,
    });
  }
}

/** Runs the scenario: throughput phases, then batching feeds; see the module documentation. */
export async function runFederationScenario(
  scenario: FederationScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  validate(scenario);
  const run = new ScenarioRun(scenario.name, options.progress);
  const timeoutMs = scenario.stepTimeoutSeconds * 1000;
  run.say('starting the origin and the receivers');
  const origin = await FederationOrigin.start(ORIGIN, { requestTimeoutMs: timeoutMs });
  let receivers: FederationReceivers | undefined;
  const checks: AgreementCheck[] = [];
  const throughput: ThroughputFigures[] = [];
  const batching: BatchingFigures[] = [];
  let summary: ScenarioResult['workload'];
  try {
    receivers = await withDeadline(
      FederationReceivers.start({
        destinations: receivingServerNames(scenario.receivingServers),
        origin: ORIGIN,
        originKeyUrl: origin.keyUrl,
      }),
      timeoutMs,
      'starting the receivers',
    );
    const link: FederationLink = {
      origin,
      receivers,
      fetch: origin.fetchTo(receivers.overrides()),
    };
    for (const [i, phase] of scenario.throughput.entries()) {
      const label = `${phase.mode}-${phase.destinations}-${i}`;
      const part = await runThroughputPhase(link, phase, { label, say: run.say, timeoutMs });
      throughput.push(part.figures);
      checks.push(...part.checks);
      collectGarbage();
    }
    const setup = await prepareFanOut(scenario.batching, run);
    for (const feed of scenario.batching.feeds) {
      const part = await runBatchingFeed(link, setup, setup.measuredBatches, feed, {
        label: `batch-${feed}`,
        say: run.say,
        timeoutMs,
      });
      batching.push(part.figures);
      checks.push(...part.checks);
      collectGarbage();
    }
    summary = {
      ...workloadFigures(setup.workload),
      batchSize: setup.batchSize,
      // The batching part's (update, destination server) pairs per batch.
      recipientsPerBatch:
        batching.length > 0 ? (batching[0]?.pairs ?? 0) / setup.measuredBatches.length : 0,
      deliveriesPerBatch: null,
      maxPairsPerBatch: 0,
      generationSeconds: setup.generationSeconds,
      prewarmSeconds: setup.prewarmSeconds,
    };
  } finally {
    run.say('stopping the receivers');
    await receivers?.stop();
    await origin.close();
  }
  if (options.failOnDisagreement !== false) assertAgreement(scenario.name, checks);
  const frame = run.finish();
  return {
    name: scenario.name,
    kind: 'federation',
    description: scenario.description,
    sweep: false,
    workload: summary,
    agreement: checks,
    implementations: [],
    federation: { throughput, batching, receivingServers: scenario.receivingServers },
    ...frame,
  };
}
