/**
 * The narrowing scenario's tables, printed after the federation ones in the terminal report
 * and in `results/README.md`: each implementation's p50 / p99 per batch and recipients, the
 * ratios (narrowed / additive, against the goal; against the floor; the policy variant), and
 * MSC4495's recipients and remote destinations (EDUs) per update against default routing.
 *
 * @example
 * ```ts
 * const text = narrowingText(results.scenarios); // '' when no narrowing scenario ran
 * ```
 * @module
 */
import type { NarrowingFigures, PairedRatio } from './narrowing-results.ts';
import { mdTable, ms, pad, ratio } from './report-format.ts';
import type { ScenarioResult } from './results.ts';

function ratioCells(r: PairedRatio): string[] {
  return [ratio(r.ratioOfMedians), ratio(r.pairedP50), ratio(r.pairedP99)];
}

/** The tables of one scenario's figures, as rows (first row the header). */
function tables(
  name: string,
  f: NarrowingFigures,
): { timings: string[][]; ratios: string[][]; msc: string[][]; summary: string } {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const timings = [
    ['scenario', 'implementation', 'n', 'p50 ms', 'p99 ms', 'recipients/batch'],
    ...f.timings.map((t) => [
      name,
      t.implementation,
      String(t.samples),
      ms(t.p50Ms),
      ms(t.p99Ms),
      fmt(t.recipientsPerBatch),
    ]),
  ];
  const ratios = [
    ['scenario', 'ratio', 'of medians', 'per batch p50', 'per batch p99'],
    [name, `narrowed / additive (goal < ${f.goal}x)`, ...ratioCells(f.narrowedVsAdditive)],
    [name, 'narrowed / floor', ...ratioCells(f.narrowedVsFloor)],
    [name, 'additive / floor', ...ratioCells(f.additiveVsFloor)],
    [name, 'policy / additive', ...ratioCells(f.policyVsAdditive)],
    [name, 'MSC4495 compute / default fan-out', ...ratioCells(f.msc.computeVsDefault)],
  ];
  const m = f.msc;
  const msc = [
    ['scenario', 'routing', 'recipients/update', 'remote destinations (EDUs)/update'],
    [
      name,
      'default (co-members)',
      m.defaultRecipientsPerUpdate.toFixed(1),
      m.defaultEdusPerUpdate.toFixed(2),
    ],
    [name, 'MSC4495 settings', m.mscRecipientsPerUpdate.toFixed(1), m.mscEdusPerUpdate.toFixed(2)],
  ];
  const kinds = Object.entries(m.settingsKinds)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const summary = `${name}: large room ${f.largeRoomId} (${fmt(f.largeRoomMembers)} members) denied by ${fmt(f.denyingUsers)} users; ${fmt(f.localOnlyUsers)} users share only locally (deny ${f.remoteServers} remote servers); policy variant max_room_size ${fmt(f.maxRoomSize)}; ${f.rounds} rounds. Goal narrowed < ${f.goal}x additive: ${f.goalMet ? 'MET' : 'NOT MET'} (${ratio(f.narrowedVsAdditive.ratioOfMedians)}). MSC4495 over ${fmt(m.updates)} updates (${m.batches} batches), settings: ${kinds}; ${Math.round(m.suggestShare * 100)}% of rooms suggest.`;
  return { timings, ratios, msc, summary };
}

function figuresOf(scenarios: readonly ScenarioResult[]): [string, NarrowingFigures][] {
  return scenarios.flatMap((s) =>
    s.narrowing !== undefined ? [[s.name, s.narrowing] as [string, NarrowingFigures]] : [],
  );
}

/** The terminal tables ('' without a narrowing scenario). */
export function narrowingText(scenarios: readonly ScenarioResult[]): string {
  const all = figuresOf(scenarios);
  if (all.length === 0) return '';
  const lines = ['Narrowing (issue 12): per-batch times over every round, same batches'];
  for (const [name, f] of all) {
    const t = tables(name, f);
    lines.push(pad(t.timings), '', pad(t.ratios), '', pad(t.msc), '', t.summary, '');
  }
  return lines.join('\n').trimEnd();
}

/** The Markdown section ('' without a narrowing scenario). */
export function narrowingMarkdown(scenarios: readonly ScenarioResult[]): string {
  const all = figuresOf(scenarios);
  if (all.length === 0) return '';
  const out = ['## Narrowing (issue 12)', ''];
  for (const [name, f] of all) {
    const t = tables(name, f);
    out.push(mdTable(t.timings), '', mdTable(t.ratios), '', mdTable(t.msc), '', t.summary, '');
  }
  return out.join('\n').trimEnd();
}
