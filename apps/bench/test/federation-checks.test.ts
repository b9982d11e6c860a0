import { userPresenceState } from '@presence-router/core';
import { FederationPresenceSender } from '@presence-router/federation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../src/deadline.ts';
import { BenchError } from '../src/errors.ts';
import { checkLatestApplied, checkTransactions } from '../src/federation-checks.ts';
import { FederationOrigin } from '../src/federation-origin.ts';
import { FederationReceivers, type ReceiverReport } from '../src/federation-receivers.ts';
import { type LoggedTransaction, TransactionLog } from '../src/federation-transaction-log.ts';

const states = Array.from({ length: 120 }, (_, i) =>
  userPresenceState(`@u${i}:bench.test`, { state: 'online', statusMsg: `s${i}` }),
);

/** What a real sender logs for 120 states to one destination, answered 200 in-process. */
async function loggedTransactions(): Promise<{
  sent: LoggedTransaction[];
  sender: FederationPresenceSender;
}> {
  const log = new TransactionLog();
  const sender = new FederationPresenceSender({
    serverName: 'bench.test',
    transport: log.wrap(async () => ({ status: 200 })),
    keepAliveIntervalMs: 0,
  });
  sender.send('remote0.test', states);
  await sender.idle();
  return { sent: log.take(), sender };
}

/** The report of receivers that got exactly `sent`. */
function matchingReport(sent: readonly LoggedTransaction[]): ReceiverReport {
  return {
    transactions: [],
    requests: sent.length,
    edus: sent.reduce((sum, t) => sum + t.edus, 0),
    states: sent.reduce((sum, t) => sum + t.states, 0),
    mostEdusPerTransaction: Math.max(...sent.map((t) => t.edus)),
    mostStatesPerEdu: Math.max(...sent.map((t) => t.largestEdu)),
    inbound: {
      transactionsApplied: sent.length,
      duplicates: 0,
      unauthorized: 0,
      refused: 0,
      presenceDropped: 0,
    },
    unsigned: { requests: 0, edus: 0, states: 0 },
    keyFetches: 0,
    cpuMs: 0,
  };
}

describe('checkTransactions', () => {
  it('holds when the receivers counted every transaction, EDU and state sent', async () => {
    const { sent, sender } = await loggedTransactions();
    expect(sent.map((t) => [t.edus, t.states])).toEqual([[3, 120]]);
    const check = checkTransactions('t', sent, matchingReport(sent), sender.snapshot());
    expect(check.problems).toEqual([]);
    expect(check.agree).toBe(true);
  });

  it.each([
    {
      change: 'one EDU fewer received',
      report: (r: ReceiverReport) => ({ ...r, edus: r.edus - 1 }),
      says: '3 EDUs sent, 2 received',
    },
    {
      change: 'one state fewer received',
      report: (r: ReceiverReport) => ({ ...r, states: r.states - 1 }),
      says: '120 states sent, 119 received',
    },
    {
      change: 'a signature refused',
      report: (r: ReceiverReport) => ({ ...r, inbound: { ...r.inbound, unauthorized: 1 } }),
      says: '1 requests refused 401',
    },
    {
      change: 'an EDU over the limit',
      report: (r: ReceiverReport) => ({ ...r, mostStatesPerEdu: 51 }),
      says: 'a destination received an EDU of 51 states',
    },
  ])('fails on $change', async ({ report, says }) => {
    const { sent, sender } = await loggedTransactions();
    const check = checkTransactions('t', sent, report(matchingReport(sent)), sender.snapshot());
    expect(check.agree).toBe(false);
    expect(check.problems).toContain(says);
  });
});

describe('a transaction without an answer', () => {
  it('is logged with what the transport threw, and fails the check naming it', async () => {
    const log = new TransactionLog();
    const sender = new FederationPresenceSender({
      serverName: 'bench.test',
      transport: log.wrap(async () => {
        throw new Error('No answer from remote0.test within 60000 ms');
      }),
      keepAliveIntervalMs: 0,
    });
    sender.send('remote0.test', states.slice(0, 1));
    await sender.idle();
    const snapshot = sender.snapshot();
    await sender.close();
    const sent = log.take();
    expect(sent.map((t) => [t.status, t.error])).toEqual([
      [0, 'No answer from remote0.test within 60000 ms'],
    ]);
    const check = checkTransactions('t', sent, matchingReport(sent), snapshot);
    expect(check.agree).toBe(false);
    expect(check.problems[0]).toMatch(
      /^remote0\.test \d+: answered no answer after \d+ ms \(No answer from remote0\.test within 60000 ms\)$/,
    );
  });
});

describe('checkLatestApplied', () => {
  const destinations = ['remote0.test'];
  const expected = new Map([
    [
      'remote0.test',
      new Map([
        ['@u1:bench.test', { presence: 'online', statusMsg: 'b' }],
        ['@u2:bench.test', { presence: 'offline', statusMsg: null }],
      ]),
    ],
  ]);
  const sentCounts = new Map([
    ['remote0.test\u0000@u1:bench.test', 2],
    ['remote0.test\u0000@u2:bench.test', 1],
  ]);
  const report = (applied: ReceiverReport['transactions']): ReceiverReport => ({
    ...matchingReport([]),
    transactions: applied,
  });

  it('holds when each user ends with the last state sent', () => {
    const check = checkLatestApplied(
      't',
      destinations,
      expected,
      sentCounts,
      report([
        {
          destination: 0,
          appliedAtMs: 1,
          userIds: ['@u1:bench.test'],
          presence: ['online'],
          statusMsgs: ['a'],
        },
        {
          destination: 0,
          appliedAtMs: 2,
          userIds: ['@u1:bench.test', '@u2:bench.test'],
          presence: ['online', 'offline'],
          statusMsgs: ['b', null],
        },
      ]),
    );
    expect(check.problems).toEqual([]);
    expect(check.agree).toBe(true);
  });

  it('fails when a user never arrived, or arrived more often than sent', () => {
    const check = checkLatestApplied(
      't',
      destinations,
      expected,
      sentCounts,
      report([
        {
          destination: 0,
          appliedAtMs: 1,
          userIds: ['@u1:bench.test', '@u1:bench.test', '@u1:bench.test'],
          presence: ['online', 'online', 'online'],
          statusMsgs: ['b', 'b', 'b'],
        },
      ]),
    );
    expect(check.agree).toBe(false);
    expect(check.problems).toContain('remote0.test never got @u2:bench.test');
    expect(check.problems).toContain('remote0.test got @u1:bench.test 3 times, sent 2 times');
  });
});

describe('the receivers verify signatures', () => {
  let trusted: FederationOrigin;
  let impostor: FederationOrigin;
  let receivers: FederationReceivers;

  beforeAll(async () => {
    trusted = await FederationOrigin.start('bench.test');
    // Same server name, another key: the receivers only know the trusted origin's key.
    impostor = await FederationOrigin.start('bench.test');
    receivers = await FederationReceivers.start({
      destinations: ['remote0.test'],
      origin: 'bench.test',
      originKeyUrl: trusted.keyUrl,
    });
  });

  afterAll(async () => {
    await receivers?.stop();
    await trusted?.close();
    await impostor?.close();
  });

  it.each([
    { who: 'the trusted origin', origin: () => trusted, applied: 1, unauthorized: 0 },
    {
      who: 'an origin signing with another key',
      origin: () => impostor,
      applied: 0,
      unauthorized: 1,
    },
  ])('$who: applied $applied, refused $unauthorized', async ({ origin, applied, unauthorized }) => {
    const log = new TransactionLog();
    const fetch = origin().fetchTo(receivers.overrides());
    const sender = origin().sender(fetch, log, `verify-${unauthorized}-`);
    sender.send('remote0.test', states.slice(0, 1));
    await sender.idle();
    const snapshot = sender.snapshot();
    await sender.close();
    const report = await receivers.collect();
    const sent = log.take();
    expect(sent.map((t) => t.status)).toEqual([unauthorized === 1 ? 401 : 200]);
    expect(report.inbound.transactionsApplied).toBe(applied);
    expect(report.inbound.unauthorized).toBe(unauthorized);
    expect(report.transactions.flatMap((t) => t.userIds)).toEqual(
      applied === 1 ? ['@u0:bench.test'] : [],
    );
    expect(checkTransactions('t', sent, report, snapshot).agree).toBe(unauthorized === 0);
  });
});

describe('withDeadline', () => {
  it('passes a settled promise on, and fails one that takes too long', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'quick')).resolves.toBe(7);
    vi.useFakeTimers();
    try {
      const slow = withDeadline(new Promise(() => {}), 1000, 'the last transactions');
      const outcome = expect(slow).rejects.toThrow(
        new BenchError('SCENARIO_FAILED', 'the last transactions: not done after 1 s'),
      );
      await vi.advanceTimersByTimeAsync(1000);
      await outcome;
    } finally {
      vi.useRealTimers();
    }
  });
});
