/**
 * Result tables: plain text for the terminal and Markdown for `results/README.md`.
 *
 * @example
 * ```ts
 * console.log(textReport(results));
 * writeFileSync('results/README.md', markdownReport(results));
 * ```
 * @module
 */
import { federationMarkdown, federationText } from './federation-report.ts';
import { narrowingMarkdown, narrowingText } from './narrowing-report.ts';
import { mdTable, mib, ms, pad, rate, ratio } from './report-format.ts';
import type { BenchResults, ImplementationResult, ScenarioResult } from './results.ts';

const HEADER = [
  'scenario',
  'implementation',
  'median ms',
  'p95 ms',
  'n',
  'deliveries/s',
  'x faster than naive',
  'x the floor',
  'peak heap MiB',
  'peak RSS MiB',
] as const;

function row(scenario: ScenarioResult, impl: ImplementationResult): string[] {
  return [
    scenario.name,
    impl.implementation,
    ms(impl.stats.medianMs),
    ms(impl.stats.p95Ms),
    String(impl.stats.samples),
    rate(impl.deliveriesPerSecond),
    ratio(impl.speedupOverNaive),
    ratio(impl.ratioToFloor),
    mib(impl.memory.peakHeapBytes),
    mib(impl.memory.peakRssBytes),
  ];
}

function workloadLine(s: ScenarioResult): string {
  const w = s.workload;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  if (s.kind === 'federation') {
    return `${s.name}: ${s.description}. Batching workload: ${fmt(w.users)} users (${fmt(w.localUsers)} local), ${fmt(w.rooms)} rooms, ${fmt(w.memberships)} memberships, largest room ${fmt(w.largestRoom)}; batch ${fmt(w.batchSize)}; ${fmt(w.recipientsPerBatch)} (update, destination server) pairs per batch; ${s.federation?.receivingServers ?? 0} receiving servers; scenario peak RSS ${mib(s.peakRssBytes)} MiB (the sending process), ${s.seconds.toFixed(1)} s${s.loadAverage !== undefined ? `, load average ${s.loadAverage.toFixed(1)} at its end` : ''}.`;
  }
  const unit = s.kind === 'sync' ? 'window' : 'batch';
  return `${s.name}: ${s.description}. ${fmt(w.users)} users (${fmt(w.localUsers)} local), ${fmt(w.rooms)} rooms, ${fmt(w.memberships)} memberships, largest room ${fmt(w.largestRoom)}; ${unit} ${fmt(w.batchSize)}; ${fmt(w.recipientsPerBatch)} recipients per ${unit}${w.deliveriesPerBatch !== null ? `, ${fmt(w.deliveriesPerBatch)} (recipient, state) deliveries` : ''}; scenario peak RSS ${mib(s.peakRssBytes)} MiB, ${s.seconds.toFixed(1)} s${s.loadAverage !== undefined ? `, load average ${s.loadAverage.toFixed(1)} at its end` : ''}.`;
}

function commitText(results: BenchResults): string {
  const env = results.environment;
  if (env.gitCommit === undefined) return 'unknown';
  return `${env.gitCommit.slice(0, 10)}${env.coreClean ? '' : ' (packages/core had uncommitted changes)'}`;
}

/** The terminal report: one table of every measurement, the agreement checks, the targets. */
export function textReport(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(`presence-router fan-out benchmarks (${results.mode}), ${results.startedAt}`);
  lines.push(
    `Node ${results.environment.node}, ${results.environment.cpus} CPUs (${results.environment.cpuModel}), ${results.environment.totalMemoryGiB.toFixed(0)} GiB; commit ${commitText(results)}`,
  );
  lines.push('');
  const rows: string[][] = [[...HEADER]];
  for (const s of results.scenarios) for (const impl of s.implementations) rows.push(row(s, impl));
  lines.push(pad(rows));
  lines.push('');
  const federation = federationText(results.scenarios);
  if (federation !== '') lines.push(federation, '');
  const narrowing = narrowingText(results.scenarios);
  if (narrowing !== '') lines.push(narrowing, '');
  for (const s of results.scenarios) lines.push(workloadLine(s));
  lines.push('');
  lines.push('Reduced or skipped runs:');
  const notes = results.scenarios.flatMap((s) =>
    s.implementations
      .filter((impl) => impl.note !== undefined)
      .map((impl) => `  ${s.name} ${impl.implementation}: ${impl.note}`),
  );
  lines.push(...(notes.length > 0 ? notes : ['  (none)']));
  lines.push('');
  lines.push('Agreement checks:');
  for (const s of results.scenarios) {
    for (const a of s.agreement) {
      lines.push(
        `  ${a.agree ? 'OK  ' : 'FAIL'} ${s.name}: ${a.what} (${a.recipients.toLocaleString('en-US')} recipients)${a.agree ? '' : `: ${a.problems.join('; ')}`}`,
      );
    }
  }
  if (results.targets.length > 0) {
    lines.push('');
    lines.push('Targets:');
    for (const t of results.targets) {
      lines.push(`  ${t.pass ? 'PASS' : 'MISS'} ${t.description} (goal ${t.goal}): ${t.note}`);
    }
  }
  lines.push('');
  lines.push('What each timing includes:');
  const seen = new Set<string>();
  for (const s of results.scenarios) {
    for (const impl of s.implementations) {
      if (seen.has(impl.implementation)) continue;
      seen.add(impl.implementation);
      lines.push(`  ${impl.implementation}: ${impl.includes}`);
    }
  }
  return lines.join('\n');
}

/** The Markdown report (`results/README.md`). */
export function markdownReport(results: BenchResults): string {
  const out: string[] = [];
  const env = results.environment;
  out.push('# Fan-out benchmark results');
  out.push('');
  out.push(
    `Generated by \`pnpm --filter @presence-router/bench bench\` on ${results.startedAt} in ${(results.seconds / 60).toFixed(1)} minutes: Node ${env.node}, ${env.platform}, ${env.cpus} CPUs (${env.cpuModel}), ${env.totalMemoryGiB.toFixed(0)} GiB of memory; commit ${commitText(results)}. Each scenario ran in its own process (\`${env.execArgv.join(' ')}\`). Raw figures: [results.json](results.json); chart: [scaling.svg](scaling.svg).`,
  );
  if (results.targets.length > 0) {
    out.push('');
    out.push('## Targets');
    out.push('');
    out.push(
      mdTable([
        ['target', 'goal', 'result', 'measured'],
        ...results.targets.map((t) => [
          t.description,
          t.goal,
          t.pass ? '**PASS**' : '**MISS**',
          t.note,
        ]),
      ]),
    );
  }
  out.push('');
  out.push('## Measurements (per batch; per sync for `sync-*`)');
  out.push('');
  const rows: string[][] = [[...HEADER]];
  for (const s of results.scenarios) for (const impl of s.implementations) rows.push(row(s, impl));
  out.push(mdTable(rows));
  out.push('');
  out.push(
    '"x faster than naive" = naive median / this median; "x the floor" = this median / floor median. Peak heap and RSS are sampled during each implementation\'s run (the workload itself included).',
  );
  const federation = federationMarkdown(results.scenarios);
  if (federation !== '') out.push('', federation);
  const narrowing = narrowingMarkdown(results.scenarios);
  if (narrowing !== '') out.push('', narrowing);
  out.push('');
  out.push('## Workloads');
  out.push('');
  for (const s of results.scenarios) out.push(`- ${workloadLine(s)}`);
  const notes = results.scenarios.flatMap((s) =>
    s.implementations
      .filter((i) => i.note !== undefined)
      .map((i) => `- ${s.name} ${i.implementation}: ${i.note}`),
  );
  if (notes.length > 0) {
    out.push('');
    out.push('## Reduced or skipped runs');
    out.push('');
    out.push(...notes);
  }
  out.push('');
  out.push('## Agreement checks');
  out.push('');
  for (const s of results.scenarios) {
    for (const a of s.agreement) {
      out.push(
        `- ${a.agree ? 'OK' : '**FAIL**'} ${s.name}: ${a.what} (${a.recipients.toLocaleString('en-US')} recipients)${a.agree ? '' : `: ${a.problems.join('; ')}`}`,
      );
    }
  }
  out.push('');
  out.push('## What each timing includes');
  out.push('');
  const seen = new Set<string>();
  for (const s of results.scenarios) {
    for (const impl of s.implementations) {
      if (seen.has(impl.implementation)) continue;
      seen.add(impl.implementation);
      out.push(`- \`${impl.implementation}\`: ${impl.includes}`);
    }
  }
  out.push('');
  return out.join('\n');
}
