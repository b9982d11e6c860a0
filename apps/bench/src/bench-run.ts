/**
 * Runs a list of scenarios and gathers a {@link BenchResults}: in this process (the smoke
 * run, tests), or each scenario in its own Node process (the full run), so that memory
 * figures are per scenario and a scenario that runs out of memory fails alone.
 *
 * @example
 * ```ts
 * const results = await runBench({ mode: 'smoke', scenarios: smokeScenarios() });
 * results.scenarios.every((s) => s.agreement.every((a) => a.agree)); // true
 * ```
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.ts';
import { runFanOutScenario } from './fan-out-scenario.ts';
import { runFederationScenario } from './federation-scenario.ts';
import { collectGarbage } from './measurement.ts';
import { runNarrowingScenario } from './narrowing-scenario.ts';
import type { Progress } from './progress.ts';
import type { BenchResults, ScenarioResult } from './results.ts';
import type { Scenario } from './scenarios.ts';
import { runSyncScenario } from './sync-scenario.ts';
import { evaluateTargets } from './targets.ts';

/** Options of {@link runBench}. */
export interface BenchRunOptions {
  readonly mode: 'full' | 'smoke';
  readonly scenarios: readonly Scenario[];
  /** Run each scenario in its own Node process (same flags as this one). Default false. */
  readonly isolate?: boolean;
  readonly progress?: Progress | undefined;
}

/** A scenario that failed (its process crashed or it threw). */
export interface ScenarioFailure {
  readonly scenario: string;
  readonly error: BenchError;
}

/** Runs one scenario in this process. */
export async function runScenario(
  scenario: Scenario,
  progress?: Progress,
): Promise<ScenarioResult> {
  const options = { progress, failOnDisagreement: true };
  switch (scenario.kind) {
    case 'fan-out':
      return runFanOutScenario(scenario, options);
    case 'sync':
      return runSyncScenario(scenario, options);
    case 'federation':
      return runFederationScenario(scenario, options);
    case 'narrowing':
      return runNarrowingScenario(scenario, options);
  }
}

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

function runIsolated(scenario: Scenario, mode: 'full' | 'smoke'): ScenarioResult {
  const dir = mkdtempSync(join(tmpdir(), 'presence-bench-'));
  const file = join(dir, 'result.json');
  try {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, CLI, '--child', scenario.name, '--mode', mode, '--result-file', file],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (child.status !== 0) {
      throw new BenchError(
        'SCENARIO_FAILED',
        `Scenario ${scenario.name} failed in its process (${child.status !== null ? `exit code ${child.status}` : `signal ${child.signal}`})`,
        { scenario: scenario.name, cause: child.error },
      );
    }
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult;
    } catch (error) {
      throw new BenchError('SCENARIO_FAILED', `Scenario ${scenario.name} wrote no result`, {
        scenario: scenario.name,
        cause: error,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The repository's commit and whether core (what is measured) had uncommitted changes. */
function gitState(): { gitCommit: string; coreClean: boolean } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain', '--', 'packages/core']);
  return {
    gitCommit: head.status === 0 ? head.stdout.trim() : 'unknown',
    coreClean: status.status === 0 && status.stdout.trim() === '',
  };
}

/** Runs the scenarios; failures are collected, not thrown, so the others still report. */
export async function runBench(
  options: BenchRunOptions,
): Promise<{ results: BenchResults; failures: ScenarioFailure[] }> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const scenarios: ScenarioResult[] = [];
  const failures: ScenarioFailure[] = [];
  for (const scenario of options.scenarios) {
    try {
      if (options.isolate === true) {
        options.progress?.update(scenario.name, 'starting its process');
        scenarios.push(runIsolated(scenario, options.mode));
      } else {
        scenarios.push(await runScenario(scenario, options.progress));
        collectGarbage();
      }
    } catch (error) {
      const benchError =
        error instanceof BenchError
          ? error
          : new BenchError(
              'SCENARIO_FAILED',
              `Scenario ${scenario.name} failed: ${String(error)}`,
              {
                scenario: scenario.name,
                cause: error,
              },
            );
      failures.push({ scenario: scenario.name, error: benchError });
      options.progress?.done(`${scenario.name}: FAILED: ${benchError.message}`);
    }
  }
  const cpuList = cpus();
  const results: BenchResults = {
    mode: options.mode,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      totalMemoryGiB: totalmem() / 1024 ** 3,
      execArgv: process.execArgv,
      ...gitState(),
    },
    scenarios,
    // The targets are the fan-out engine's: not evaluated on a run of the federation alone.
    targets:
      options.mode === 'full' &&
      options.scenarios.some((s) => s.kind === 'fan-out' || s.kind === 'sync')
        ? evaluateTargets(scenarios)
        : [],
  };
  return { results, failures };
}
