/**
 * The federation sender's throughput, over real HTTP on 127.0.0.1 to receivers in another
 * process that verify every signature (`federation-receivers.ts`): one phase per
 * (destinations, mode), each with its own `FederationPresenceSender`:
 *
 * 1. warm-up: one state to each destination (connections opened, the origin's key fetched
 *    by each destination's key store), not counted;
 * 2. the signed run, fed with local users' states (`@u<i>:bench.test`, online, status
 *    message `s<i>` naming the state): `full` hands each destination its states in one
 *    `send()`, so transactions are full (100 EDUs of 50 states); `single` sends one state to
 *    every destination per round and waits until all applied it (one EDU of one state);
 *    timed from the first `send()` to the last answer, with both processes' CPU time, and
 *    per state the latency from `send()` to the destination's `onPresence` (after
 *    verification), on the monotonic clock the two processes share;
 * 3. the baselines on the very transactions sent (`federation-baselines.ts`): signing alone,
 *    and the same bodies PUT unsigned.
 *
 * Checked: every state sent is applied exactly once at its destination, within the limits
 * (`federation-checks.ts`).
 *
 * @example
 * ```ts
 * const { figures, checks } = await runThroughputPhase(
 *   link,
 *   { destinations: 100, mode: 'full', statesPerDestination: 5000 },
 *   { label: 'full-100', say, timeoutMs: 300_000 },
 * );
 * figures.edusPerSecond; figures.signedVsUnsigned;
 * ```
 * @module
 */
import { performance } from 'node:perf_hooks';
import { type UserPresenceState, userPresenceState } from '@presence-router/core';
import type { FederationFetch } from '@presence-router/federation';
import type { AgreementCheck } from './agreement.ts';
import { withDeadline } from './deadline.ts';
import { BenchError } from './errors.ts';
import { putUnsigned, signTransactions } from './federation-baselines.ts';
import { checkTransactions, ProblemList } from './federation-checks.ts';
import type { FederationOrigin } from './federation-origin.ts';
import type { FederationReceivers, ReceiverReport } from './federation-receivers.ts';
import type { ThroughputFigures, ThroughputMode } from './federation-results.ts';
import { TransactionLog } from './federation-transaction-log.ts';
import { collectGarbage, latencyPercentiles } from './measurement.ts';
import { monotonicMs } from './monotonic-clock.ts';
import type { Say } from './scenario-run.ts';

/** One throughput phase. */
export interface ThroughputPhase {
  /** The first this many of the receivers' destinations. */
  readonly destinations: number;
  readonly mode: ThroughputMode;
  /** States each destination gets (`single`: the number of rounds). */
  readonly statesPerDestination: number;
}

/** The two ends of the benchmark's federation: the origin, the receivers, the fetch between. */
export interface FederationLink {
  readonly origin: FederationOrigin;
  readonly receivers: FederationReceivers;
  readonly fetch: FederationFetch;
}

/** How a phase runs: its txnId prefix, its progress, how long one of its waits may take. */
export interface PhaseOptions {
  /** Unique per sender of a run (txnIds are `<label>-<counter>`). */
  readonly label: string;
  readonly say: Say;
  readonly timeoutMs: number;
}

/** A phase's name, e.g. `full to 100`. */
export function phaseName(phase: ThroughputPhase): string {
  return `${phase.mode} to ${phase.destinations}`;
}

function phaseStates(serverName: string, count: number): UserPresenceState[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) =>
    userPresenceState(`@u${i}:${serverName}`, {
      state: 'online',
      currentlyActive: true,
      lastActiveTs: now,
      lastUserSyncTs: now,
      statusMsg: `s${i}`,
    }),
  );
}

/** Per state: how often it was applied at each destination, and its latencies. */
function accountApplied(
  report: ReceiverReport,
  states: readonly UserPresenceState[],
  destinations: readonly string[],
  sentAt: Float64Array,
): { latenciesMs: Float64Array; check: AgreementCheck } {
  const perDestination = states.length;
  const counts = new Uint32Array(sentAt.length);
  const latencies: number[] = [];
  const problems = new ProblemList();
  for (const t of report.transactions) {
    for (let i = 0; i < t.userIds.length; i++) {
      const seq = Number(t.statusMsgs[i]?.slice(1));
      const state = states[seq];
      if (
        t.destination >= destinations.length ||
        state === undefined ||
        state.userId !== t.userIds[i]
      ) {
        problems.add(`unexpected state ${t.userIds[i]} ${t.statusMsgs[i]} at ${t.destination}`);
        continue;
      }
      const slot = t.destination * perDestination + seq;
      counts[slot]!++;
      latencies.push(t.appliedAtMs - (sentAt[slot] as number));
    }
  }
  for (let slot = 0; slot < counts.length; slot++) {
    if (counts[slot] !== 1) {
      const destination = destinations[Math.floor(slot / perDestination)];
      const state = states[slot % perDestination];
      problems.add(`${destination} applied ${state?.userId} ${counts[slot]} times`);
    }
  }
  return {
    latenciesMs: Float64Array.from(latencies),
    check: {
      what: 'every state sent applied exactly once at its destination',
      agree: problems.items.length === 0,
      recipients: destinations.length,
      deliveries: latencies.length,
      problems: problems.items,
    },
  };
}

/** Runs one phase (warm-up, signed run, baselines) and checks it. */
export async function runThroughputPhase(
  link: FederationLink,
  phase: ThroughputPhase,
  options: PhaseOptions,
): Promise<{ figures: ThroughputFigures; checks: AgreementCheck[] }> {
  const { origin, receivers, fetch } = link;
  const { label, say, timeoutMs } = options;
  const within = <T>(promise: Promise<T>, what: string) =>
    withDeadline(promise, timeoutMs, `${phaseName(phase)}: ${what}`);
  const destinations = receivers.destinations.slice(0, phase.destinations);
  if (destinations.length < phase.destinations || phase.statesPerDestination < 1) {
    throw new BenchError('INVALID_OPTION', `Throughput phase ${phaseName(phase)} cannot run`);
  }
  const name = phaseName(phase);
  const perDestination = phase.statesPerDestination;
  const log = new TransactionLog();
  const sender = origin.sender(fetch, log, `${label}-`);
  say(`${name}: warming up`);
  const warmup = userPresenceState(`@warmup:${origin.serverName}`, { state: 'online' });
  for (const destination of destinations) sender.send(destination, [warmup]);
  await within(sender.idle(), 'the warm-up');
  log.take();
  await within(receivers.collect(), 'the receivers');

  const states = phaseStates(origin.serverName, perDestination);
  const sentAt = new Float64Array(destinations.length * perDestination);
  collectGarbage();
  say(`${name}: sending ${(sentAt.length).toLocaleString('en-US')} states`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  if (phase.mode === 'full') {
    for (const [d, destination] of destinations.entries()) {
      sentAt.fill(monotonicMs(), d * perDestination, (d + 1) * perDestination);
      sender.send(destination, states);
    }
    await within(sender.idle(), 'the transactions');
  } else {
    for (let round = 0; round < perDestination; round++) {
      const state = [states[round] as UserPresenceState];
      for (const [d, destination] of destinations.entries()) {
        sentAt[d * perDestination + round] = monotonicMs();
        sender.send(destination, state);
      }
      await within(sender.idle(), `round ${round + 1}`);
      if (round % 50 === 49) say(`${name}: round ${round + 1}/${perDestination}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const snapshot = sender.snapshot();
  await sender.close();
  const report = await within(receivers.collect(), 'the receivers');
  const sent = log.take();
  const applied = accountApplied(report, states, destinations, sentAt);

  say(`${name}: baseline, signing alone`);
  collectGarbage();
  const signing = await signTransactions(origin, sent);
  say(`${name}: baseline, unsigned HTTP`);
  collectGarbage();
  const unsigned = await within(putUnsigned(fetch, sent), 'the unsigned baseline');
  const unsignedReport = await within(receivers.collect(), 'the receivers');

  const edus = sent.reduce((sum, t) => sum + t.edus, 0);
  const statesSent = sent.reduce((sum, t) => sum + t.states, 0);
  const unsignedProblems = new ProblemList();
  if (unsigned.failed > 0) unsignedProblems.add(`${unsigned.failed} unsigned PUTs failed`);
  if (unsignedReport.unsigned.requests !== sent.length) {
    unsignedProblems.add(`${unsignedReport.unsigned.requests} of ${sent.length} received`);
  }
  if (unsignedReport.unsigned.states !== statesSent) {
    unsignedProblems.add(`${unsignedReport.unsigned.states} of ${statesSent} states received`);
  }
  const figures: ThroughputFigures = {
    destinations: destinations.length,
    mode: phase.mode,
    statesPerDestination: perDestination,
    transactions: sent.length,
    edus,
    states: statesSent,
    seconds,
    transactionsPerSecond: sent.length / seconds,
    edusPerSecond: edus / seconds,
    statesPerSecond: statesSent / seconds,
    latency: latencyPercentiles(applied.latenciesMs),
    senderCpuMsPerTransaction: (cpu.user + cpu.system) / 1000 / sent.length,
    receiverCpuMsPerTransaction: report.cpuMs / sent.length,
    signingMsPerTransaction: signing.msPerTransaction,
    unsignedSeconds: unsigned.seconds,
    unsignedTransactionsPerSecond: sent.length / unsigned.seconds,
    unsignedLatency: latencyPercentiles(unsigned.latenciesMs),
    signedVsUnsigned: seconds / unsigned.seconds,
    signingShare: signing.totalMs / 1000 / seconds,
    signingCpuShare: (signing.cpuMsPerTransaction * sent.length * 1000) / (cpu.user + cpu.system),
  };
  const checks: AgreementCheck[] = [
    { ...applied.check, what: `federation ${name}: ${applied.check.what}` },
    checkTransactions(`federation ${name}`, sent, report, snapshot),
    {
      what: `federation ${name}: the unsigned baseline delivered the same bodies`,
      agree: unsignedProblems.items.length === 0,
      recipients: destinations.length,
      deliveries: unsignedReport.unsigned.states,
      problems: unsignedProblems.items,
    },
  ];
  return { figures, checks };
}
