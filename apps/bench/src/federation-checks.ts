/**
 * The federation scenario's checks, reported with the other scenarios' agreement checks
 * (and failing the scenario when they do not hold):
 *
 * - {@link checkTransactions}: every transaction, EDU and state sent was received (the
 *   receivers' own counts of the bodies they parsed), every transaction answered 200, at most 100 EDUs per
 *   transaction and 50 states per EDU (as sent, and as the receivers parsed them), every
 *   signature accepted (no 401), no transaction refused or applied twice, nothing dropped
 *   by the sender;
 * - {@link checkLatestApplied}: at every destination, the last state applied for each user
 *   is the last one sent to it, and no user got more states than were sent to it (a state is
 *   never applied twice; a newer one may replace a waiting one);
 * - {@link ProblemList}: the first few problems, in words.
 *
 * @example
 * ```ts
 * const checks = [checkTransactions('full to 1', sent, report, sender.snapshot())];
 * ```
 * @module
 */
import {
  MAX_EDUS_PER_TRANSACTION,
  MAX_PRESENCE_STATES_PER_EDU,
  type PresenceSenderSnapshot,
} from '@presence-router/federation';
import type { AgreementCheck } from './agreement.ts';
import type { ReceiverReport } from './federation-receivers.ts';
import type { LoggedTransaction } from './federation-transaction-log.ts';

const MAX_PROBLEMS = 5;
const MAX_EDUS = MAX_EDUS_PER_TRANSACTION;
const MAX_STATES_PER_EDU = MAX_PRESENCE_STATES_PER_EDU;

/** The first {@link MAX_PROBLEMS} problems, then an ellipsis. */
export class ProblemList {
  readonly items: string[] = [];
  add(problem: string): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push(problem);
    else if (this.items.length === MAX_PROBLEMS) this.items.push('…');
  }
}

/** A presence state as the receiving side sees it: presence and status message. */
export interface SentPresence {
  readonly presence: string;
  /** What arrives: null when offline or empty (the sender omits it then). */
  readonly statusMsg: string | null;
}

/** The limits, the answers, the signatures and the sender's counters. */
export function checkTransactions(
  what: string,
  sent: readonly LoggedTransaction[],
  report: ReceiverReport,
  snapshot: PresenceSenderSnapshot,
): AgreementCheck {
  const problems = new ProblemList();
  let states = 0;
  let edus = 0;
  for (const t of sent) {
    states += t.states;
    edus += t.edus;
    if (t.status !== 200) {
      const after = `after ${Math.round(t.answeredAtMs - t.startedAtMs)} ms`;
      const answer =
        t.status === 0
          ? `no answer ${after} (${t.error ?? 'unknown error'})`
          : `${t.status} ${after}`;
      problems.add(`${t.destination} ${t.txnId}: answered ${answer}`);
    }
    if (t.edus > MAX_EDUS) problems.add(`${t.destination} ${t.txnId}: ${t.edus} EDUs`);
    if (t.largestEdu > MAX_STATES_PER_EDU) {
      problems.add(`${t.destination} ${t.txnId}: an EDU of ${t.largestEdu} states`);
    }
  }
  if (report.requests !== sent.length) {
    problems.add(`${sent.length} transactions sent, ${report.requests} received`);
  }
  if (report.edus !== edus) problems.add(`${edus} EDUs sent, ${report.edus} received`);
  if (report.states !== states) problems.add(`${states} states sent, ${report.states} received`);
  if (report.mostEdusPerTransaction > MAX_EDUS) {
    problems.add(`a destination received ${report.mostEdusPerTransaction} EDUs in a transaction`);
  }
  if (report.mostStatesPerEdu > MAX_STATES_PER_EDU) {
    problems.add(`a destination received an EDU of ${report.mostStatesPerEdu} states`);
  }
  const inbound = report.inbound;
  if (inbound.unauthorized > 0) problems.add(`${inbound.unauthorized} requests refused 401`);
  if (inbound.refused > 0) problems.add(`${inbound.refused} requests refused (400/404/429)`);
  if (inbound.duplicates > 0) problems.add(`${inbound.duplicates} transactions seen twice`);
  if (inbound.presenceDropped > 0) problems.add(`${inbound.presenceDropped} entries dropped`);
  if (inbound.transactionsApplied !== sent.length) {
    problems.add(`${sent.length} transactions sent, ${inbound.transactionsApplied} applied`);
  }
  const dropped = Object.entries(snapshot.statesDropped).filter(([, n]) => n > 0);
  if (dropped.length > 0) {
    problems.add(`the sender dropped states: ${dropped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  if (snapshot.transactionsFailed > 0) {
    const errors = snapshot.destinations.map((d) => d.lastError).filter((e) => e !== undefined);
    problems.add(
      `${snapshot.transactionsFailed} failed attempts (${errors[0] ?? 'no error kept'})`,
    );
  }
  return {
    what: `${what}: every transaction and EDU sent received (${sent.length} transactions, ${edus} EDUs), signed, verified and applied once (<= ${MAX_EDUS} EDUs of <= ${MAX_STATES_PER_EDU} states)`,
    agree: problems.items.length === 0,
    recipients: new Set(sent.map((t) => t.destination)).size,
    deliveries: states,
    problems: problems.items,
  };
}

/**
 * At each destination, the last applied state of each user equals the last one sent
 * (`expected`: destination -> user -> what was sent last), and no user received more states
 * than were sent to it (`sentCounts`: `${destination}\0${user}` -> states sent).
 */
export function checkLatestApplied(
  what: string,
  destinations: readonly string[],
  expected: ReadonlyMap<string, ReadonlyMap<string, SentPresence>>,
  sentCounts: ReadonlyMap<string, number>,
  report: ReceiverReport,
): AgreementCheck {
  const problems = new ProblemList();
  const latest = new Map<string, SentPresence>();
  const appliedCounts = new Map<string, number>();
  const ordered = [...report.transactions].sort((a, b) => a.appliedAtMs - b.appliedAtMs);
  let applied = 0;
  for (const t of ordered) {
    const destination = destinations[t.destination] as string;
    for (let i = 0; i < t.userIds.length; i++) {
      const key = `${destination}\u0000${t.userIds[i]}`;
      latest.set(key, {
        presence: t.presence[i] as string,
        statusMsg: t.statusMsgs[i] ?? null,
      });
      appliedCounts.set(key, (appliedCounts.get(key) ?? 0) + 1);
      applied++;
    }
  }
  let pairs = 0;
  for (const [destination, users] of expected) {
    for (const [userId, want] of users) {
      pairs++;
      const key = `${destination}\u0000${userId}`;
      const got = latest.get(key);
      if (got === undefined) {
        problems.add(`${destination} never got ${userId}`);
      } else if (got.presence !== want.presence || got.statusMsg !== want.statusMsg) {
        problems.add(
          `${destination} ended with ${userId} ${got.presence}/${got.statusMsg}, not ${want.presence}/${want.statusMsg}`,
        );
      }
    }
  }
  for (const [key, count] of appliedCounts) {
    const sent = sentCounts.get(key) ?? 0;
    if (count > sent) {
      problems.add(`${key.replace('\u0000', ' got ')} ${count} times, sent ${sent} times`);
    }
  }
  if (latest.size !== pairs) {
    problems.add(`${latest.size} (destination, user) pairs applied, ${pairs} expected`);
  }
  return {
    what: `${what}: each destination ends with each user's latest state, none applied more often than sent`,
    agree: problems.items.length === 0,
    recipients: pairs,
    deliveries: applied,
    problems: problems.items,
  };
}
