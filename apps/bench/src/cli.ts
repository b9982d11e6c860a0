/**
 * The `bench` and `bench:smoke` commands.
 *
 * - `bench`: every scenario, each in its own process; prints the table (the local fan-out
 *   figures, then the federation scenario's throughput and batching tables) and writes
 *   `results/results.json`, `results/scaling.svg` and `results/README.md`.
 * - `bench:smoke` (`--smoke`): every scenario shape at tiny sizes in this process; checks
 *   that the engine, the naive baseline and the floor agree, and that every transaction,
 *   EDU and state the federation sender sent was received, verified and applied; writes
 *   nothing.
 *
 * Flags: `--smoke`, `--only name[,name…]` (with `--out dir` to write results),
 * `--out dir`, `--no-isolate`, `--render results.json` (re-evaluates the targets and
 * re-renders the table, chart and README from saved results without running anything). Progress goes to stderr, the report
 * to stdout.
 *
 * @example
 * ```sh
 * node --expose-gc --max-old-space-size=24576 --conditions=@presence-router/source --import tsx src/cli.ts
 * node --expose-gc --conditions=@presence-router/source --import tsx src/cli.ts --smoke
 * node --expose-gc --conditions=@presence-router/source --import tsx src/cli.ts --only federation
 * ```
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench, runScenario } from './bench-run.ts';
import { BenchError } from './errors.ts';
import { Progress } from './progress.ts';
import { markdownReport, textReport } from './report-table.ts';
import type { BenchResults } from './results.ts';
import { scalingChartSvg } from './scaling-chart.ts';
import { fullScenarios, type Scenario, smokeScenarios } from './scenarios.ts';
import { evaluateTargets } from './targets.ts';

const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

function usage(message: string): never {
  throw new BenchError(
    'INVALID_USAGE',
    `${message}\nUsage: cli.ts [--smoke] [--only name,…] [--out dir] [--no-isolate] [--render results.json]`,
  );
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (error) {
    if (error instanceof BenchError) throw error;
    usage(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.render !== undefined) {
    const saved = JSON.parse(readFileSync(values.render, 'utf8')) as BenchResults;
    // Targets are a function of the measurements: evaluate them again with this code.
    const results: BenchResults = {
      ...saved,
      targets:
        saved.mode === 'full' &&
        saved.scenarios.some((s) => s.kind === 'fan-out' || s.kind === 'sync')
          ? evaluateTargets(saved.scenarios)
          : [],
    };
    process.stdout.write(`${textReport(results)}\n`);
    const out = values.out !== undefined ? resolve(values.out) : dirname(resolve(values.render));
    writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(out, 'scaling.svg'), await scalingChartSvg(results.scenarios));
    writeFileSync(join(out, 'README.md'), markdownReport(results));
    process.stderr.write(`Chart and README written to ${out}\n`);
    return 0;
  }
  const mode = values.smoke === true || values.mode === 'smoke' ? 'smoke' : 'full';
  const all: Scenario[] = mode === 'smoke' ? smokeScenarios() : fullScenarios();

  // A child process of an isolated run: one scenario, its result to a file.
  if (values.child !== undefined) {
    const scenario = all.find((s) => s.name === values.child);
    if (scenario === undefined) usage(`Unknown scenario ${values.child}`);
    if (values['result-file'] === undefined) usage('--child needs --result-file');
    const result = await runScenario(scenario, new Progress());
    writeFileSync(values['result-file'], JSON.stringify(result));
    return 0;
  }

  let scenarios = all;
  if (values.only !== undefined) {
    const names = values.only.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !all.some((s) => s.name === name));
    if (unknown.length > 0) {
      usage(
        `Unknown scenario(s): ${unknown.join(', ')}. Known: ${all.map((s) => s.name).join(', ')}`,
      );
    }
    scenarios = all.filter((s) => names.includes(s.name));
  }
  const progress = new Progress();
  const { results, failures } = await runBench({
    mode,
    scenarios,
    isolate: mode === 'full' && values['no-isolate'] !== true,
    progress,
  });
  process.stdout.write(`\n${textReport(results)}\n`);

  const out =
    values.out !== undefined
      ? resolve(values.out)
      : mode === 'full' && values.only === undefined
        ? RESULTS_DIR
        : undefined;
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(out, 'scaling.svg'), await scalingChartSvg(results.scenarios));
    writeFileSync(join(out, 'README.md'), markdownReport(results));
    process.stderr.write(`Results written to ${out}\n`);
  }
  const disagreements = results.scenarios.flatMap((s) => s.agreement.filter((a) => !a.agree));
  for (const failure of failures) {
    process.stderr.write(`FAILED ${failure.scenario}: ${failure.error.message}\n`);
  }
  if (mode === 'smoke' && failures.length === 0 && disagreements.length === 0) {
    process.stderr.write(
      `Smoke check passed: ${results.scenarios.length} scenarios ran and every check held (implementations agree; federation: all sent was received).\n`,
    );
  }
  return failures.length > 0 || disagreements.length > 0 ? 1 : 0;
}

function parseOptions() {
  return parseArgs({
    options: {
      smoke: { type: 'boolean' },
      only: { type: 'string' },
      out: { type: 'string' },
      'no-isolate': { type: 'boolean' },
      child: { type: 'string' },
      mode: { type: 'string' },
      'result-file': { type: 'string' },
      render: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench: ${message}\n`);
    process.exitCode = error instanceof BenchError && error.code === 'INVALID_USAGE' ? 2 : 1;
  },
);
