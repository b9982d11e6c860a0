import { describe, expect, it } from 'vitest';
import { ReadOnlyMap } from '../src/index.ts';

describe('ReadOnlyMap', () => {
  it('reads like a Map and has no way to change it', () => {
    const map = new ReadOnlyMap([
      ['a', 1],
      ['b', 2],
    ]);
    expect(map.size).toBe(2);
    expect(map.get('b')).toBe(2);
    expect(map.has('c')).toBe(false);
    expect([...map]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect([...map.keys()]).toEqual(['a', 'b']);
    expect([...map.values()]).toEqual([1, 2]);
    const seen: string[] = [];
    map.forEach((value, key, self) => {
      seen.push(`${key}=${value}`);
      expect(self).toBe(map);
    });
    expect(seen).toEqual(['a=1', 'b=2']);
    expect(Object.isFrozen(map)).toBe(true);
    expect('set' in map || 'delete' in map || 'clear' in map).toBe(false);
    expect(Object.prototype.toString.call(map)).toBe('[object ReadOnlyMap]');
  });

  it('copies its entries: changing the source does not change it', () => {
    const source = new Map([['a', 1]]);
    const map = new ReadOnlyMap(source);
    source.set('b', 2);
    expect(map.size).toBe(1);
  });
});
