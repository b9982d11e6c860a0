import { userPresenceState } from '@presence-router/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncStreams } from '../src/sync-streams.ts';

const a1 = userPresenceState('@a:hs', { state: 'online' });
const a2 = userPresenceState('@a:hs', { state: 'unavailable' });
const b1 = userPresenceState('@b:hs', { state: 'online' });

describe('SyncStreams', () => {
  it('delivers only to users with a stream, shares entries, latest state per sender wins', () => {
    const streams = new SyncStreams({ instanceId: 'test' });
    streams.open('@r:hs');
    expect(streams.deliver(streams.nextPosition(), ['@r:hs', '@nobody:hs'], [a1, b1])).toBe(1);
    streams.deliver(streams.nextPosition(), ['@r:hs'], [a2]);
    const changes = streams.changesSince('@r:hs', 0);
    expect(changes.states).toEqual([b1, a2]);
    expect(changes.truncated).toBe(false);
    expect(streams.changesSince('@r:hs', 1).states).toEqual([a2]);
    expect(streams.changesSince('@r:hs', 2).states).toEqual([]);
  });

  it('parses its own tokens and tells tokens of another run and malformed ones apart', () => {
    const streams = new SyncStreams({ instanceId: 'abc' });
    streams.nextPosition();
    expect(streams.parseToken(streams.tokenOf(1))).toEqual({ kind: 'position', position: 1 });
    expect(streams.parseToken('p1_other')).toEqual({ kind: 'other-instance' });
    expect(streams.parseToken('p7_abc')).toEqual({ kind: 'malformed' });
    expect(streams.parseToken('nonsense')).toEqual({ kind: 'malformed' });
  });

  it('a snapshot request is due for tokens handed out before it, once', () => {
    const streams = new SyncStreams();
    streams.open('@r:hs');
    const before = streams.position;
    streams.requestSnapshot('@r:hs');
    expect(streams.changesSince('@r:hs', before).snapshotDue).toBe(true);
    expect(streams.changesSince('@r:hs', streams.position).snapshotDue).toBe(false);
  });

  it('bounded logs: a token older than what is kept is reported as truncated', () => {
    const streams = new SyncStreams({ maxEntriesPerUser: 4 });
    streams.open('@r:hs');
    for (let i = 0; i < 10; i++)
      streams.deliver(streams.nextPosition(), ['@r:hs'], [i % 2 ? a1 : a2]);
    expect(streams.changesSince('@r:hs', 0).truncated).toBe(true);
    expect(streams.changesSince('@r:hs', 9).truncated).toBe(false);
    expect(streams.changesSince('@r:hs', 9).states).toEqual([a1]);
  });

  it('waits end on delivery, snapshot request or close', async () => {
    const streams = new SyncStreams();
    streams.open('@r:hs');
    const waiting = streams.wait('@r:hs', streams.position, 60_000);
    expect(streams.waitingCount).toBe(1);
    streams.deliver(streams.nextPosition(), ['@r:hs'], [a1]);
    await waiting;
    expect(streams.waitingCount).toBe(0);
    const second = streams.wait('@r:hs', streams.position, 60_000);
    streams.requestSnapshot('@r:hs');
    await second;
    const third = streams.wait('@r:hs', streams.position, 60_000);
    streams.close();
    await third;
    expect(streams.waitingCount).toBe(0);
    // After close, waits return at once.
    await streams.wait('@r:hs', streams.position, 60_000);
  });

  it('idle streams are dropped; a later sync with an old token reads as truncated', () => {
    const streams = new SyncStreams();
    streams.open('@idle:hs', 1000);
    streams.open('@busy:hs', 1000);
    streams.open('@busy:hs', 5000);
    const token = streams.position;
    streams.deliver(streams.nextPosition(), ['@idle:hs', '@busy:hs'], [a1]);
    expect(streams.evictIdle(2000)).toBe(1);
    expect(streams.has('@idle:hs')).toBe(false);
    expect(streams.has('@busy:hs')).toBe(true);
    streams.open('@idle:hs', 9000);
    expect(streams.changesSince('@idle:hs', token)).toEqual({
      states: [],
      snapshotDue: false,
      truncated: true,
    });
  });
});

describe('SyncStreams answer coalescing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Whether `promise` has settled by now (after pending microtasks). */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    return done;
  }

  it('a stream answered within the window is woken at its end, with everything that came', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const streams = new SyncStreams({ coalesceMs: 50 });
    streams.open('@r:hs');
    // Quiet stream: woken at once.
    const first = streams.wait('@r:hs', streams.position, 60_000);
    streams.deliver(streams.nextPosition(), ['@r:hs'], [a1]);
    expect(await settled(first)).toBe(true);
    streams.markAnswered('@r:hs');
    expect(streams.answeredRecently('@r:hs')).toBe(true);
    // Answered a moment ago: the next delivery waits for the window to end.
    const since = streams.position;
    const second = streams.wait('@r:hs', since, 60_000);
    streams.deliver(streams.nextPosition(), ['@r:hs'], [b1]);
    await vi.advanceTimersByTimeAsync(20);
    expect(await settled(second)).toBe(false);
    streams.deliver(streams.nextPosition(), ['@r:hs'], [a2]);
    await vi.advanceTimersByTimeAsync(31);
    expect(await settled(second)).toBe(true);
    expect(streams.changesSince('@r:hs', since).states).toEqual([b1, a2]);
  });

  it('data already there is held back until the window ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const streams = new SyncStreams({ coalesceMs: 50 });
    streams.open('@r:hs');
    const since = streams.position;
    streams.deliver(streams.nextPosition(), ['@r:hs'], [a1]);
    streams.markAnswered('@r:hs');
    const waiting = streams.wait('@r:hs', since, 60_000);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(await settled(waiting)).toBe(true);
    expect(streams.answeredRecently('@r:hs')).toBe(false);
  });

  it('the window grows while answers run over the budget and shrinks back under it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const streams = new SyncStreams({ coalesceMs: 10, answerBudget: 100 });
    for (let i = 0; i < 100; i++) streams.open(`@u${i}:hs`);
    expect(streams.windowMs).toBe(10);
    // 400 answers per second, four times the budget.
    for (let tick = 0; tick < 12; tick++) {
      for (let i = 0; i < 100; i++) streams.markAnswered(`@u${i}:hs`);
      await vi.advanceTimersByTimeAsync(250);
    }
    const grown = streams.windowMs;
    expect(grown).toBeGreaterThan(10);
    expect(grown).toBeLessThanOrEqual(1000);
    // A trickle: 4 answers per second.
    for (let tick = 0; tick < 40; tick++) {
      streams.markAnswered('@u0:hs');
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(streams.windowMs).toBeLessThan(grown);
    expect(streams.windowMs).toBe(10);
  });
});
