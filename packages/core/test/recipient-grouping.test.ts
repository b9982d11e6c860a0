import { describe, expect, it } from 'vitest';
import { RecipientGrouper, sourcesOfGroup } from '../src/internal/recipient-grouping.ts';
import { UserInterner } from '../src/internal/user-interner.ts';

function groupsOf(sources: number[][], universe = 20) {
  const grouper = new RecipientGrouper();
  grouper.begin(universe);
  for (const members of sources) grouper.addSource(Int32Array.from(members));
  const grouping = grouper.finish();
  const byGroup = new Map<number, number[]>();
  grouping.groupIds.forEach((g, k) => {
    byGroup.set(g, [...grouping.members.subarray(grouping.starts[k], grouping.starts[k + 1])]);
  });
  return {
    grouping,
    groups: [...byGroup].map(([g, members]) => ({
      members: members.sort((a, b) => a - b),
      sources: sourcesOfGroup(grouping, g).sort(),
    })),
  };
}

describe('RecipientGrouper', () => {
  it('groups recipients by the exact set of sources that reach them', () => {
    const { groups, grouping } = groupsOf([
      [1, 2, 3, 4],
      [3, 4, 5],
      [4, 6],
    ]);
    expect(groups.sort((a, b) => (a.members[0] as number) - (b.members[0] as number))).toEqual([
      { members: [1, 2], sources: [0] },
      { members: [3], sources: [0, 1] },
      { members: [4], sources: [0, 1, 2] },
      { members: [5], sources: [1] },
      { members: [6], sources: [2] },
    ]);
    expect([...grouping.members].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(grouping.remoteMembers.length).toBe(0);
    expect(grouping.sourceCount).toBe(3);
  });

  it('ignores a member listed twice in one source', () => {
    const { groups } = groupsOf([[1, 1, 2], [2]]);
    expect(groups.map((g) => g.sources)).toEqual([[0], [0, 1]]);
  });

  it('can be reused: a new grouping starts from scratch', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(10);
    grouper.addSource(Int32Array.of(1, 2));
    grouper.finish();
    grouper.begin(10);
    grouper.addSource(Int32Array.of(2, 3));
    expect(grouper.visited(1)).toBe(false);
    expect(grouper.visited(3)).toBe(true);
    const grouping = grouper.finish();
    expect([...grouping.members]).toEqual([2, 3]);
    expect(grouping.nodeCount).toBe(2);
    expect([...grouping.groupIds]).toEqual([1]);
  });

  it('grows its arrays for large universes and many groups', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(5000);
    for (let s = 0; s < 100; s++)
      grouper.addSource(Int32Array.from({ length: 50 }, (_, i) => s * 50 + i));
    const grouping = grouper.finish();
    expect(grouping.members.length).toBe(5000);
    expect(grouping.groupIds.length).toBe(100);
    expect(grouping.nodeCount).toBe(101);
  });

  it('handles more groups than recipients (a member reached by many sources)', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(2);
    for (let s = 0; s < 100; s++) grouper.addSource(Int32Array.of(0));
    grouper.addSource(Int32Array.of(1));
    const grouping = grouper.finish();
    expect(grouping.nodeCount).toBe(102);
    expect(sourcesOfGroup(grouping, grouping.groupIds[0] as number)).toHaveLength(100);
    expect(sourcesOfGroup(grouping, grouping.groupIds[1] as number)).toEqual([100]);
  });

  it('numbers every node after its parent (FanOutResult walks the trie forward)', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(40);
    for (let s = 0; s < 30; s++)
      grouper.addSource(Int32Array.from({ length: 12 }, (_, i) => (s * 7 + i * 3) % 40));
    const grouping = grouper.finish();
    for (let g = 1; g < grouping.nodeCount; g++) {
      expect(grouping.groupParent[g]).toBeLessThan(g);
      expect(grouping.groupParent[g]).toBeGreaterThanOrEqual(0);
    }
  });

  it('lists recipients that are not local apart, with their groups', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(4);
    grouper.addSource(Int32Array.of(0, 1, 2, 3));
    grouper.addSource(Int32Array.of(1, 3));
    const grouping = grouper.finish(Uint8Array.of(1, 1, 0, 0));
    expect([...grouping.members]).toEqual([0, 1]);
    expect(grouping.groupIds.length).toBe(2);
    expect([...grouping.remoteMembers]).toEqual([2, 3]);
    expect(sourcesOfGroup(grouping, grouping.remoteGroups[0] as number)).toEqual([0]);
    expect(sourcesOfGroup(grouping, grouping.remoteGroups[1] as number).sort()).toEqual([0, 1]);
  });

  it('refuses members outside the universe', () => {
    const grouper = new RecipientGrouper();
    grouper.begin(3);
    expect(() => grouper.addSource(Int32Array.of(3))).toThrow(RangeError);
  });

  it('refuses sources outside begin()/finish()', () => {
    expect(() => new RecipientGrouper().addSource([1])).toThrow(/outside begin/);
  });
});

describe('UserInterner', () => {
  it('interns IDs densely and knows local from remote', () => {
    const interner = new UserInterner('hs.example');
    expect(interner.intern('@a:hs.example')).toBe(0);
    expect(interner.intern('@b:remote.example')).toBe(1);
    expect(interner.intern('@a:hs.example')).toBe(0);
    expect(interner.isLocal(0)).toBe(true);
    expect(interner.isLocal(1)).toBe(false);
    expect(interner.serverNameAt(interner.serverIndexOf(1))).toBe('remote.example');
    expect(interner.userIdOf(1)).toBe('@b:remote.example');
    expect(interner.lookup('@c:hs.example')).toBeUndefined();
  });

  it('treats a user on the same host but another port as remote', () => {
    const interner = new UserInterner('hs.example');
    expect(interner.isLocal(interner.intern('@a:hs.example:8448'))).toBe(false);
  });

  it('caches interned member lists by array identity', () => {
    const interner = new UserInterner('hs.example');
    const members = ['@a:hs.example', '@b:hs.example'];
    const first = interner.internMembers(members);
    expect(interner.internMembers(members)).toBe(first);
    expect(interner.internMembers([...members])).not.toBe(first);
    expect([...first]).toEqual([0, 1]);
  });
});
