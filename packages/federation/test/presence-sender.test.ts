import {
  type UserPresenceState,
  type UserPresenceStateInit,
  userPresenceState,
} from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { FederationError } from '../src/errors.ts';
import { FederationPresenceSender, type PresenceSenderOptions } from '../src/presence-sender.ts';
import type { TransactionResponse } from '../src/transaction.ts';
import { drain, ManualClock } from './fakes/manual-clock.ts';
import { deferred, RecordingTransport } from './fakes/recording-transport.ts';

const MINUTE = 60_000;

function setup(options: Partial<PresenceSenderOptions> = {}) {
  const clock = new ManualClock();
  const recording = new RecordingTransport();
  const logger = new RecordingLogger();
  const sender = new FederationPresenceSender({
    serverName: 'hs.example',
    transport: recording.transport,
    clock,
    logger,
    random: () => 0.5,
    ...options,
  });
  return { clock, recording, sender, logger };
}

function users(
  count: number,
  fields: UserPresenceStateInit = { state: 'online' },
  prefix = 'u',
): UserPresenceState[] {
  return Array.from({ length: count }, (_, i) =>
    userPresenceState(`@${prefix}${i}:hs.example`, fields),
  );
}

const state = (
  user: string,
  presence: UserPresenceStateInit['state'],
  extra: UserPresenceStateInit = {},
) => userPresenceState(`@${user}:hs.example`, { state: presence, ...extra });

describe('FederationPresenceSender: batching', () => {
  it('sends 120 users as one transaction of 3 EDUs (50, 50, 20)', async () => {
    const { sender, recording, clock } = setup();
    sender.send('remote.example', users(120));
    await sender.idle();
    expect(recording.eduSizes()).toEqual([[50, 50, 20]]);
    const [transaction] = recording.transactions;
    expect(transaction!.destination).toBe('remote.example');
    expect(transaction!.body.origin).toBe('hs.example');
    expect(transaction!.body.origin_server_ts).toBe(clock.now());
    expect(transaction!.body.pdus).toEqual([]);
    expect(transaction!.body.edus.every((edu) => edu.edu_type === 'm.presence')).toBe(true);
    expect(recording.pushes().map((p) => p.user_id)).toEqual(users(120).map((s) => s.userId));
  });

  it('sends 5,001 states as 100 EDUs of 50 then 1, one transaction in flight at a time', async () => {
    const { sender, recording } = setup();
    const gate = deferred<TransactionResponse>();
    recording.answer = () => gate.promise;
    sender.send('remote.example', users(5_001));
    await drain();
    expect(recording.transactions).toHaveLength(1);
    expect(sender.snapshot().destinations[0]).toMatchObject({ pending: 1, inFlight: 5_000 });
    recording.answer = () => ({ status: 200 });
    gate.resolve({ status: 200 });
    await sender.idle();
    expect(recording.eduSizes()).toEqual([Array(100).fill(50), [1]]);
    expect(recording.maxInFlight).toBe(1);
    expect(sender.snapshot()).toMatchObject({
      transactionsSent: 2,
      statesSent: 5_001,
      pendingStates: 0,
    });
  });

  it('keeps one transaction in flight per destination, destinations in parallel', async () => {
    const { sender, recording } = setup();
    const gate = deferred<TransactionResponse>();
    recording.answer = () => gate.promise;
    sender.send('a.example', users(1));
    sender.send('b.example', users(1));
    await drain();
    sender.send('a.example', users(2));
    await drain();
    expect(recording.transactions.map((t) => t.destination)).toEqual(['a.example', 'b.example']);
    gate.resolve({ status: 200 });
    await sender.idle();
    expect(recording.transactions.map((t) => t.destination)).toEqual([
      'a.example',
      'b.example',
      'a.example',
    ]);
  });

  it('formats entries as Synapse does, with last_active_ago at the time the transaction is built', async () => {
    const { sender, recording, clock } = setup();
    sender.send('remote.example', [
      state('a', 'online', { lastActiveTs: clock.now() - 3_000, statusMsg: 'hi' }),
    ]);
    await sender.idle();
    expect(recording.pushes()).toEqual([
      {
        user_id: '@a:hs.example',
        presence: 'online',
        last_active_ago: 3_000,
        currently_active: false,
        status_msg: 'hi',
      },
    ]);
  });

  it('gives every transaction a new txnId, unique across destinations, after the optional prefix', async () => {
    const { sender, recording, clock } = setup({ transactionIdPrefix: 'w1-' });
    sender.send('a.example', users(1));
    sender.send('b.example', users(1));
    await sender.idle();
    sender.send('a.example', users(1, { state: 'unavailable' }));
    await sender.idle();
    const ids = recording.transactions.map((t) => t.txnId);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toEqual([`w1-${clock.now()}`, `w1-${clock.now() + 1}`, `w1-${clock.now() + 2}`]);
  });
});

describe('FederationPresenceSender: what is sent', () => {
  it('sends only local users, and nothing to ourselves or outside the whitelist', async () => {
    const { sender, recording } = setup({ federationDomainWhitelist: ['remote.example'] });
    sender.send('remote.example', [
      state('a', 'online'),
      userPresenceState('@x:other.example', { state: 'online' }),
    ]);
    sender.send('hs.example', [state('b', 'online')]);
    sender.send('not-listed.example', [state('c', 'online')]);
    await sender.idle();
    expect(recording.pushes().map((p) => p.user_id)).toEqual(['@a:hs.example']);
    expect(sender.snapshot().statesDropped).toMatchObject({ notLocal: 1, notAllowed: 2 });
  });

  it('sends the latest state of a user when several arrive while waiting', async () => {
    const { sender, recording } = setup();
    const gate = deferred<TransactionResponse>();
    recording.answer = () => gate.promise;
    sender.send('remote.example', [state('a', 'online')]);
    await drain();
    sender.send('remote.example', [state('a', 'unavailable'), state('b', 'online')]);
    sender.send('remote.example', [state('a', 'offline')]);
    recording.answer = () => ({ status: 200 });
    gate.resolve({ status: 200 });
    await sender.idle();
    expect(recording.pushes().map((p) => `${p.user_id} ${p.presence}`)).toEqual([
      '@a:hs.example online',
      '@a:hs.example offline',
      '@b:hs.example online',
    ]);
  });

  it('accepts a fan-out remote map', async () => {
    const { sender, recording } = setup();
    sender.sendRemote(
      new Map([
        ['a.example', { states: [state('x', 'online')] }],
        ['b.example', { states: [state('y', 'online')] }],
      ]),
    );
    await sender.idle();
    expect(recording.transactions.map((t) => [t.destination, t.body.edus.length])).toEqual([
      ['a.example', 1],
      ['b.example', 1],
    ]);
  });
});

describe('FederationPresenceSender: failures and backoff', () => {
  it('backs off 10 minutes, then ×2 ×[0.8, 1.4) jitter, and retries the states', async () => {
    const { sender, recording, clock, logger } = setup();
    recording.answer = () => new Error('connect ECONNREFUSED');
    sender.send('remote.example', users(2));
    await sender.idle();
    expect(sender.snapshot()).toMatchObject({
      destinationsInBackoff: 1,
      transactionsFailed: 1,
      pendingStates: 2,
    });
    expect(sender.snapshot().destinations[0]).toMatchObject({
      retryIntervalMs: 10 * MINUTE,
      retryAt: clock.now() + 10 * MINUTE,
      lastError: 'connect ECONNREFUSED',
    });
    expect(logger.messages()).toEqual(['Transaction failed; backing off']);
    sender.send('remote.example', users(1, { state: 'unavailable' }, 'v'));
    await clock.advance(10 * MINUTE - 1);
    expect(recording.transactions).toHaveLength(1);
    await clock.advance(1);
    expect(recording.transactions).toHaveLength(2);
    expect(recording.transactions[1]!.body.edus[0]!.content.push).toHaveLength(3);
    // random() = 0.5: the factor is 0.8 + 0.6 × 0.5 = 1.1.
    expect(sender.snapshot().destinations[0]!.retryIntervalMs).toBe(10 * MINUTE * 2 * 1.1);
    expect(sender.snapshot().transactionsRetried).toBe(1);
  });

  it('never waits more than destination_max_retry_interval', async () => {
    const { sender, recording, clock } = setup({ maxRetryIntervalMs: 25 * MINUTE });
    recording.answer = () => ({ status: 503 });
    sender.send('remote.example', users(1));
    await sender.idle();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { retryIntervalMs } = sender.snapshot().destinations[0]!;
      waits.push(retryIntervalMs);
      await clock.advance(retryIntervalMs);
    }
    expect(waits).toEqual([10 * MINUTE, 22 * MINUTE, 25 * MINUTE, 25 * MINUTE]);
  });

  it.each([401, 404, 408, 429, 500, 502])('backs off on HTTP %i', async (status) => {
    const { sender, recording } = setup();
    recording.answer = () => ({ status });
    sender.send('remote.example', users(1));
    await sender.idle();
    expect(sender.snapshot()).toMatchObject({
      destinationsInBackoff: 1,
      pendingStates: 1,
      transactionsFailed: 1,
    });
  });

  it('waits as long as a 429 asks when that is longer than the backoff', async () => {
    const { sender, recording, clock } = setup();
    recording.answer = () => ({ status: 429, retryAfterMs: 30 * MINUTE });
    sender.send('remote.example', users(1));
    await sender.idle();
    expect(sender.snapshot().destinations[0]!.retryAt).toBe(clock.now() + 30 * MINUTE);
  });

  it('drops the states of a transaction rejected with another 4xx, without backing off', async () => {
    const { sender, recording, logger } = setup();
    recording.answer = () => ({ status: 400 });
    sender.send('remote.example', users(3));
    await sender.idle();
    recording.answer = () => ({ status: 200 });
    sender.send('remote.example', users(1, { state: 'online' }, 'w'));
    await sender.idle();
    expect(recording.transactions).toHaveLength(2);
    expect(sender.snapshot()).toMatchObject({
      destinationsInBackoff: 0,
      transactionsRejected: 1,
      statesDropped: expect.objectContaining({ rejected: 3 }),
    });
    expect(logger.messages()).toEqual([
      'Transaction rejected by the destination; its presence states are dropped',
    ]);
  });

  it('counts an attempt without an answer within transactionTimeoutMs as failed, and aborts it', async () => {
    const { sender, recording, clock } = setup({ transactionTimeoutMs: 30_000 });
    recording.answer = () => new Promise<TransactionResponse>(() => {});
    sender.send('remote.example', users(1));
    await clock.advance(30_000);
    await sender.idle();
    expect(recording.transactions[0]!.signal?.aborted).toBe(true);
    expect(sender.snapshot()).toMatchObject({
      destinationsInBackoff: 1,
      transactionsFailed: 1,
      pendingStates: 1,
    });
  });

  it('on recovery sends the latest state of each user once, never an older one after a newer one', async () => {
    const { sender, recording, clock } = setup();
    const delivered: string[] = [];
    let up = false;
    recording.answer = (transaction) => {
      if (!up) return new Error('down');
      for (const edu of transaction.body.edus) {
        for (const push of edu.content.push as { user_id: string; presence: string }[]) {
          delivered.push(`${push.user_id} ${push.presence}`);
        }
      }
      return { status: 200 };
    };
    const history: Record<string, string[]> = {};
    const set = (user: string, presence: 'online' | 'unavailable' | 'offline') => {
      const key = `@${user}:hs.example`;
      history[key] = [...(history[key] ?? []), presence];
      sender.send('remote.example', [state(user, presence)]);
    };
    set('a', 'online');
    await sender.idle();
    set('a', 'unavailable');
    set('b', 'online');
    await clock.advance(10 * MINUTE); // second failure
    set('a', 'offline');
    set('c', 'online');
    set('b', 'unavailable');
    up = true;
    await clock.advance(22 * MINUTE);
    await sender.idle();
    expect([...delivered].sort()).toEqual([
      '@a:hs.example offline',
      '@b:hs.example unavailable',
      '@c:hs.example online',
    ]);
    expect(sender.snapshot()).toMatchObject({ destinationsInBackoff: 0, pendingStates: 0 });
    set('a', 'online');
    await sender.idle();
    // Per user, what was delivered follows the order the states were set in.
    for (const [user, sets] of Object.entries(history)) {
      let from = 0;
      for (const entry of delivered.filter((d) => d.startsWith(`${user} `))) {
        from = sets.indexOf(entry.split(' ')[1]!, from);
        expect(from).toBeGreaterThanOrEqual(0);
        from++;
      }
    }
    expect(delivered.filter((d) => d.startsWith('@a:'))).toEqual([
      '@a:hs.example offline',
      '@a:hs.example online',
    ]);
  });

  it('puts failed states back unless a newer state of the user arrived meanwhile', async () => {
    const { sender, recording, clock } = setup();
    const gate = deferred<TransactionResponse>();
    recording.answer = () => gate.promise;
    sender.send('remote.example', [state('a', 'online'), state('b', 'online')]);
    await drain();
    sender.send('remote.example', [state('a', 'offline')]);
    gate.resolve({ status: 503 });
    await sender.idle();
    recording.answer = () => ({ status: 200 });
    await clock.advance(10 * MINUTE);
    expect(recording.transactions.at(-1)!.body.edus[0]!.content.push).toEqual([
      { user_id: '@b:hs.example', presence: 'online', currently_active: false },
      { user_id: '@a:hs.example', presence: 'offline' },
    ]);
  });

  it('ends the backoff when the destination is known to be up', async () => {
    const { sender, recording } = setup();
    recording.answer = () => new Error('down');
    sender.send('remote.example', users(1));
    await sender.idle();
    recording.answer = () => ({ status: 200 });
    sender.destinationIsUp('remote.example');
    await sender.idle();
    expect(recording.transactions).toHaveLength(2);
    expect(sender.snapshot()).toMatchObject({
      destinationsInBackoff: 0,
      transactionsSent: 1,
      destinations: [
        expect.objectContaining({ retryIntervalMs: 0, retryAt: undefined, pending: 0 }),
      ],
    });
  });
});

describe('FederationPresenceSender: keep-alive', () => {
  it('re-sends non-offline states every 25 minutes, spread over the interval', async () => {
    const { sender, recording, clock } = setup();
    sender.send('remote.example', users(1_000));
    sender.send('remote.example', users(100, { state: 'offline' }, 'off'));
    sender.send('remote.example', [userPresenceState('@u0:hs.example', { state: 'offline' })]);
    await sender.idle();
    const start = clock.now();
    const sentAt = new Map<string, number[]>();
    for (const push of recording.pushes()) sentAt.set(push.user_id, [start]);
    const perTick: number[] = [];
    for (let minute = 1; minute <= 60; minute++) {
      const before = recording.pushes().length;
      await clock.advance(MINUTE);
      await sender.idle();
      const pushes = recording.pushes().slice(before);
      perTick.push(pushes.length);
      for (const push of pushes) sentAt.get(push.user_id)!.push(clock.now());
    }
    const onlineUsers = [...sentAt.keys()].filter(
      (u) => !u.startsWith('@off') && u !== '@u0:hs.example',
    );
    expect(onlineUsers).toHaveLength(999);
    for (const user of onlineUsers) {
      const times = sentAt.get(user)!;
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // The first keep-alive comes within one interval (+ one tick) of the send...
      expect(gaps[0]!).toBeLessThanOrEqual(26 * MINUTE);
      // ...and then one every interval, never later than interval + tick.
      for (const gap of gaps.slice(1)) {
        expect(gap).toBeGreaterThanOrEqual(24 * MINUTE);
        expect(gap).toBeLessThanOrEqual(26 * MINUTE);
      }
      expect(gaps.length).toBeGreaterThanOrEqual(2);
    }
    // Offline users (and the user who went offline) are never kept alive.
    const notKeptAlive = [...sentAt].filter(([user]) => !onlineUsers.includes(user));
    expect(notKeptAlive).toHaveLength(101);
    expect(notKeptAlive.every(([, times]) => times.length === 1 && times[0] === start)).toBe(true);
    // Spread: each minute of the first interval has some pings, none more than 2.5x the average (40).
    const firstInterval = perTick.slice(0, 25);
    expect(firstInterval.filter((count) => count > 0).length).toBeGreaterThanOrEqual(22);
    expect(Math.max(...perTick)).toBeLessThanOrEqual(100);
    expect(perTick.slice(0, 26).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(999);
  }, 30_000); // ~900 real timer hops of the manual clock: over 1 s on a loaded machine

  it('keeps going every interval, and stops for a user who goes offline', async () => {
    const { sender, recording, clock } = setup({ keepAliveIntervalMs: 10 * MINUTE });
    sender.send('remote.example', [state('a', 'online'), state('b', 'unavailable')]);
    await sender.idle();
    await clock.advance(11 * MINUTE);
    await sender.idle();
    sender.send('remote.example', [state('b', 'offline')]);
    await sender.idle();
    const after = recording.pushes().length;
    await clock.advance(11 * MINUTE);
    await sender.idle();
    expect(
      recording
        .pushes()
        .slice(after)
        .map((p) => `${p.user_id} ${p.presence}`),
    ).toEqual(['@a:hs.example online']);
    expect(
      recording
        .pushes()
        .filter((p) => p.user_id === '@b:hs.example')
        .map((p) => p.presence),
    ).toEqual(['unavailable', 'unavailable', 'offline']);
  });

  it('can be turned off', async () => {
    const { sender, recording, clock } = setup({ keepAliveIntervalMs: 0 });
    sender.send('remote.example', users(3));
    await sender.idle();
    await clock.advance(60 * MINUTE);
    expect(recording.transactions).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('FederationPresenceSender: bounds, metrics and closing', () => {
  it('drops states beyond maxDestinations and maxUsersPerDestination, and counts them', async () => {
    const { sender, recording, logger } = setup({ maxDestinations: 2, maxUsersPerDestination: 3 });
    const gate = deferred<TransactionResponse>();
    recording.answer = () => gate.promise;
    sender.send('a.example', users(1));
    sender.send('b.example', users(1));
    sender.send('c.example', users(2));
    await drain();
    sender.send('a.example', users(5, { state: 'unavailable' }));
    expect(sender.snapshot().statesDropped).toMatchObject({
      tooManyDestinations: 2,
      tooManyUsers: 2,
    });
    expect(sender.snapshot().destinations.map((d) => [d.destination, d.pending])).toEqual([
      ['a.example', 3],
      ['b.example', 0],
    ]);
    expect(logger.messages()).toEqual([
      'Presence dropped: too many destinations queued',
      'Presence dropped: too many users pending for a destination',
    ]);
    gate.resolve({ status: 200 });
  });

  it('forgets a destination with nothing left to send or keep alive', async () => {
    const { sender } = setup();
    sender.send('remote.example', users(2, { state: 'offline' }));
    await sender.idle();
    expect(sender.snapshot().destinations).toEqual([]);
    sender.send('remote.example', users(1));
    await sender.idle();
    expect(sender.snapshot().destinations.map((d) => [d.destination, d.keepAliveUsers])).toEqual([
      ['remote.example', 1],
    ]);
  });

  it('close() aborts what is in flight, clears its timers and refuses more', async () => {
    const { sender, recording, clock } = setup();
    recording.answer = () => new Promise<TransactionResponse>(() => {});
    sender.send('remote.example', users(1));
    await drain();
    await sender.close();
    expect(recording.transactions[0]!.signal?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(() => sender.send('remote.example', users(1))).toThrow(FederationError);
  });

  it('refuses out-of-range options', () => {
    expect(() => setup({ maxEdusPerTransaction: 101 })).toThrow('cannot exceed 100');
    expect(() => setup({ minRetryIntervalMs: -1 })).toThrow(
      'minRetryIntervalMs must be a positive number',
    );
    expect(() => setup({ serverName: 'bad name' })).toThrow('Invalid serverName');
  });
});
