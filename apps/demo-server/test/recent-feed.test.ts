import { userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { type RecentEntry, RecentFeed } from '../src/recent-feed.ts';

function entry(seq: number): RecentEntry {
  return {
    kind: 'state',
    seq,
    state: userPresenceState(`@u${seq}:hs`, { state: 'online' }),
    notify: true,
    origin: 'a',
  };
}

describe('RecentFeed', () => {
  it('answers ranges it holds whole, in order, and nothing it does not', () => {
    const recent = new RecentFeed(100);
    recent.reset(10);
    for (let seq = 11; seq <= 60; seq++) recent.append(entry(seq));
    expect(recent.range(10, 60)?.map((e) => e.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => 11 + i),
    );
    expect(recent.range(20, 23)?.map((e) => e.seq)).toEqual([21, 22, 23]);
    expect(recent.range(60, 70)).toEqual([]);
    // Before the floor (loaded, not followed): not held.
    expect(recent.range(9, 20)).toBeUndefined();
  });

  it('stays bounded and moves its floor past what it dropped', () => {
    const recent = new RecentFeed(100);
    recent.reset(0);
    for (let seq = 1; seq <= 1000; seq++) recent.append(entry(seq));
    // It keeps between 100 and 125 of the latest entries.
    expect(recent.range(900, 1000)?.length).toBe(100);
    expect(recent.range(874, 1000)).toBeUndefined();
    expect(recent.range(0, 1000)).toBeUndefined();
    // Holes in the seqs (entries of other kinds skipped) are fine.
    recent.reset(2000);
    recent.append(entry(2003));
    recent.append(entry(2010));
    expect(recent.range(2000, 2009)?.map((e) => e.seq)).toEqual([2003]);
  });
});
