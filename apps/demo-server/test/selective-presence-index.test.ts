/**
 * `RecipientIndex`: the inverse of the recipient sets follows every replacement (added,
 * removed, emptied), so the read side never keeps a sender a set no longer names.
 */
import { describe, expect, it } from 'vitest';
import { RecipientIndex } from '../src/selective-presence-index.ts';

describe('RecipientIndex', () => {
  it('keeps recipient → senders in step with sender → recipients', () => {
    const index = new RecipientIndex();
    index.set('@a:hs', new Set(['@b:hs', '@c:hs']));
    index.set('@d:hs', new Set(['@b:hs']));
    expect(index.sendersFor('@b:hs')).toEqual(new Set(['@a:hs', '@d:hs']));
    index.set('@a:hs', new Set(['@c:hs', '@e:hs']));
    expect(index.sendersFor('@b:hs')).toEqual(new Set(['@d:hs']));
    expect(index.sendersFor('@e:hs')).toEqual(new Set(['@a:hs']));
    expect(index.recipientsOf('@a:hs')).toEqual(new Set(['@c:hs', '@e:hs']));
    index.set('@a:hs', new Set());
    expect(index.recipientsOf('@a:hs')).toEqual(new Set());
    expect(index.sendersFor('@c:hs')).toEqual(new Set());
    expect(index.sendersFor('@b:hs')).toEqual(new Set(['@d:hs']));
  });

  it('keeps its own copy of a set given to it', () => {
    const index = new RecipientIndex();
    const given = new Set(['@b:hs']);
    index.set('@a:hs', given);
    given.add('@c:hs');
    expect(index.recipientsOf('@a:hs')).toEqual(new Set(['@b:hs']));
    index.set('@a:hs', new Set());
    expect(index.sendersFor('@b:hs')).toEqual(new Set());
  });
});
