/**
 * The federation scenario's tables, printed after the local fan-out table in the terminal
 * report and in `results/README.md`: throughput per phase (transactions, EDUs and states
 * per second, latency percentiles, against the baselines of the same run: the same bodies
 * PUT unsigned, and signing alone), then the batching of the Pareto workload's remote
 * deliveries (states, EDUs and (update, destination) pairs per transaction).
 *
 * @example
 * ```ts
 * const text = federationText(results.scenarios); // '' when no federation scenario ran
 * ```
 * @module
 */
import type { BatchingFigures, ThroughputFigures } from './federation-results.ts';
import { mdTable, ms, pad, rate, ratio } from './report-format.ts';
import type { ScenarioResult } from './results.ts';

const THROUGHPUT_HEADER = [
  'scenario',
  'phase',
  'txns',
  'EDUs',
  'states',
  'seconds',
  'txns/s',
  'EDUs/s',
  'states/s',
  'latency p50 ms',
  'p99 ms',
  'unsigned txns/s',
  'time signed / unsigned',
  'signing alone txns/s',
  'signing share',
  'signing CPU / sender CPU',
  'sender CPU ms/txn',
  'receiver CPU ms/txn',
];

const BATCHING_HEADER = [
  'scenario',
  'feed',
  'batches',
  'updates',
  '(update, server) pairs',
  'servers',
  'txns',
  'EDUs',
  'states',
  'states/txn',
  'EDUs/txn',
  'states/EDU',
  'pairs/txn',
  'txns/server',
  'seconds',
];

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function decimal(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2) : '—';
}

function throughputRow(name: string, t: ThroughputFigures): string[] {
  return [
    name,
    `${t.mode} to ${t.destinations}`,
    count(t.transactions),
    count(t.edus),
    count(t.states),
    decimal(t.seconds),
    rate(t.transactionsPerSecond),
    rate(t.edusPerSecond),
    rate(t.statesPerSecond),
    ms(t.latency.p50Ms),
    ms(t.latency.p99Ms),
    rate(t.unsignedTransactionsPerSecond),
    ratio(t.signedVsUnsigned),
    rate(1000 / t.signingMsPerTransaction),
    `${(t.signingShare * 100).toFixed(0)}%`,
    `${(t.signingCpuShare * 100).toFixed(0)}%`,
    ms(t.senderCpuMsPerTransaction),
    ms(t.receiverCpuMsPerTransaction),
  ];
}

function batchingRow(name: string, b: BatchingFigures): string[] {
  return [
    name,
    b.feed,
    count(b.batches),
    count(b.updates),
    count(b.pairs),
    count(b.destinations),
    count(b.transactions),
    count(b.edus),
    count(b.states),
    decimal(b.statesPerTransaction),
    decimal(b.edusPerTransaction),
    decimal(b.statesPerEdu),
    decimal(b.batchingRatio),
    decimal(b.transactionsPerDestination),
    decimal(b.seconds),
  ];
}

function tables(scenarios: readonly ScenarioResult[]): {
  throughput: string[][];
  batching: string[][];
} {
  const throughput = [[...THROUGHPUT_HEADER]];
  const batching = [[...BATCHING_HEADER]];
  for (const s of scenarios) {
    for (const t of s.federation?.throughput ?? []) throughput.push(throughputRow(s.name, t));
    for (const b of s.federation?.batching ?? []) batching.push(batchingRow(s.name, b));
  }
  return { throughput, batching };
}

const THROUGHPUT_NOTE =
  "`full`: each destination is handed all its states in one send(), so transactions are full (100 EDUs of 50 states); `single`: one state per destination per round, waiting until every destination applied it (1 EDU of 1 state per transaction). Seconds run from the first send() to the last answer; latency is per state, send() to the receiver applying it after verifying the signature. Baselines on the very same transactions: unsigned = the same bodies PUT without authentication to the same receivers (read, parse, count); signing alone = canonical JSON and the X-Matrix signature, no HTTP; signing share = signing alone / the signed run's time; signing CPU / sender CPU = the same in CPU time of the sending process (robust to other load on the machine).";

const BATCHING_NOTE =
  'The engine fans out each batch; its remote destinations go to one sender (sendRemote). Unbatched, each (update, destination server) pair would be a transaction: pairs/txn is the batching ratio. `drained` waits for every answer after each batch; `back-to-back` queues the batches without waiting.';

/** The federation tables as text ('' when no scenario has federation figures). */
export function federationText(scenarios: readonly ScenarioResult[]): string {
  const { throughput, batching } = tables(scenarios);
  if (throughput.length === 1 && batching.length === 1) return '';
  return [
    'Federation: signed transactions over 127.0.0.1 to receivers that verify them',
    pad(throughput),
    THROUGHPUT_NOTE.replaceAll('`', ''),
    '',
    'Federation batching: remote deliveries of the Pareto workload per transaction',
    pad(batching),
    BATCHING_NOTE.replaceAll('`', ''),
  ].join('\n');
}

/** The federation tables as Markdown sections ('' when no scenario has federation figures). */
export function federationMarkdown(scenarios: readonly ScenarioResult[]): string {
  const { throughput, batching } = tables(scenarios);
  if (throughput.length === 1 && batching.length === 1) return '';
  return [
    '## Federation throughput (signed, verified, over 127.0.0.1)',
    '',
    mdTable(throughput),
    '',
    THROUGHPUT_NOTE,
    '',
    '## Federation batching (Pareto workload, remote members)',
    '',
    mdTable(batching),
    '',
    BATCHING_NOTE,
  ].join('\n');
}
