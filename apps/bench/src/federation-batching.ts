/**
 * The batching part of the federation benchmark: a fan-out workload with remote members
 * (Pareto rooms, 20% of the users on the receivers' servers) is fanned out batch after batch
 * by the engine, and each fan-out's `result.remote` handed to one
 * `FederationPresenceSender` (`sendRemote`), which sends it as signed transactions to the
 * receivers. One transaction per (update, destination server) would be the unbatched way;
 * the figures say how many states, EDUs and (update, destination) pairs one transaction
 * carries instead (`BatchingFigures`).
 *
 * Two feeds (`BatchingFeed`): `drained` waits after each batch until every destination
 * answered, so a transaction holds at most one batch; `back-to-back` queues every batch
 * without waiting, as a busy server does, so what waits behind a transaction in flight
 * is sent together (and a newer state replaces a waiting one of the same user).
 *
 * Checked: every transaction and EDU sent was received and verified
 * (`checkTransactions`), each destination ends with each user's latest state and none
 * applied more often than sent (`checkLatestApplied`); `drained`: every (update,
 * destination) pair applied exactly once.
 *
 * @example
 * ```ts
 * const { figures, checks } = await runBatchingFeed(link, setup, batches, 'drained', {
 *   label: 'batch-drained', say, timeoutMs: 60_000,
 * });
 * figures.statesPerTransaction;
 * ```
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { RemoteDestination, UserPresenceState } from '@presence-router/core';
import type { AgreementCheck } from './agreement.ts';
import { withDeadline } from './deadline.ts';
import type { WorkloadRouting } from './example-router-module.ts';
import { checkLatestApplied, checkTransactions, type SentPresence } from './federation-checks.ts';
import type { BatchingFeed, BatchingFigures } from './federation-results.ts';
import type { FederationLink, PhaseOptions } from './federation-throughput.ts';
import { TransactionLog } from './federation-transaction-log.ts';
import type { UpdateBatch } from './workload-batches.ts';

/** What arrives of a state: `status_msg` only when non-empty and not offline. */
function sentPresence(state: UserPresenceState): SentPresence {
  return {
    presence: state.state,
    statusMsg: state.state !== 'offline' && state.statusMsg ? state.statusMsg : null,
  };
}

/** What the fan-outs asked to send: the last state per (destination, user), pair counts. */
function expectedDeliveries(remotes: readonly ReadonlyMap<string, RemoteDestination>[]): {
  expected: Map<string, Map<string, SentPresence>>;
  sentCounts: Map<string, number>;
  pairs: number;
} {
  const expected = new Map<string, Map<string, SentPresence>>();
  const sentCounts = new Map<string, number>();
  let pairs = 0;
  for (const remote of remotes) {
    for (const [server, destination] of remote) {
      let users = expected.get(server);
      if (users === undefined) {
        users = new Map();
        expected.set(server, users);
      }
      for (const state of destination.states) {
        pairs++;
        users.set(state.userId, sentPresence(state));
        const key = `${server}\u0000${state.userId}`;
        sentCounts.set(key, (sentCounts.get(key) ?? 0) + 1);
      }
    }
  }
  return { expected, sentCounts, pairs };
}

/** Runs one feed of `batches` through the engine and the sender, and checks it. */
export async function runBatchingFeed(
  link: FederationLink,
  routing: Pick<WorkloadRouting, 'router'>,
  batches: readonly UpdateBatch[],
  feed: BatchingFeed,
  options: PhaseOptions,
): Promise<{ figures: BatchingFigures; checks: AgreementCheck[] }> {
  const { origin, receivers, fetch } = link;
  const { say, timeoutMs } = options;
  const log = new TransactionLog();
  const sender = origin.sender(fetch, log, `${options.label}-`);
  await withDeadline(receivers.collect(), timeoutMs, 'the receivers');
  const remotes: ReadonlyMap<string, RemoteDestination>[] = [];
  say(`batching, ${feed}: ${batches.length} batches`);
  const started = performance.now();
  for (const [b, batch] of batches.entries()) {
    const result = await routing.router.fanOut(batch.states);
    remotes.push(result.remote);
    sender.sendRemote(result.remote);
    if (feed === 'drained') await withDeadline(sender.idle(), timeoutMs, `batch ${b + 1}`);
    if (b % 10 === 9) say(`batching, ${feed}: batch ${b + 1}/${batches.length}`);
  }
  await withDeadline(sender.idle(), timeoutMs, `batching, ${feed}: the last transactions`);
  const seconds = (performance.now() - started) / 1000;
  const snapshot = sender.snapshot();
  await sender.close();
  const report = await withDeadline(receivers.collect(), timeoutMs, 'the receivers');
  const sent = log.take();

  const { expected, sentCounts, pairs } = expectedDeliveries(remotes);
  const destinations = [...expected.keys()];
  const applied = report.transactions.reduce((sum, t) => sum + t.userIds.length, 0);
  const transactions = sent.length;
  const edus = sent.reduce((sum, t) => sum + t.edus, 0);
  const states = sent.reduce((sum, t) => sum + t.states, 0);
  const what = `federation batching, ${feed}`;
  const checks: AgreementCheck[] = [
    checkTransactions(what, sent, report, snapshot),
    checkLatestApplied(what, receivers.destinations, expected, sentCounts, report),
  ];
  if (feed === 'drained') {
    checks.push({
      what: `${what}: every (update, destination server) pair applied exactly once`,
      agree: applied === pairs && states === pairs,
      recipients: destinations.length,
      deliveries: applied,
      problems:
        applied === pairs && states === pairs
          ? []
          : [`${pairs} pairs fanned out, ${states} states sent, ${applied} applied`],
    });
  }
  const figures: BatchingFigures = {
    feed,
    batches: batches.length,
    updates: batches.reduce((sum, batch) => sum + batch.states.length, 0),
    pairs,
    destinations: destinations.length,
    transactions,
    edus,
    states,
    statesPerTransaction: states / transactions,
    edusPerTransaction: edus / transactions,
    statesPerEdu: states / edus,
    transactionsPerDestination: transactions / destinations.length,
    batchingRatio: pairs / transactions,
    seconds,
  };
  return { figures, checks };
}
