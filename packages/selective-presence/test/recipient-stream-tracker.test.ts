import { describe, expect, it } from 'vitest';
import { RecipientStreamTracker, SelectivePresenceError } from '../src/index.ts';

const JOHN = '@john:matrix.org';
const ALICE = '@alice:example.com';
const GEOFF = '@geoff:example.com';
const OTTO = '@otto:other.example';
const LOCAL = '@lena:matrix.org';

function tracker() {
  let next = 0;
  return new RecipientStreamTracker({ serverName: 'matrix.org', newStreamId: () => ++next });
}

describe('RecipientStreamTracker', () => {
  it('first set: each destination gets its users as add, without prev_id; locals stay local', () => {
    const t = tracker();
    const change = t.setRecipients(JOHN, [ALICE, GEOFF, OTTO, LOCAL]);
    expect(change).toEqual({
      streamId: 1,
      changed: true,
      local: [LOCAL],
      destinations: ['example.com', 'other.example'],
    });
    expect(t.entryFor(JOHN, 'example.com')).toEqual({
      streamId: 1,
      recipients: { add: [ALICE, GEOFF], delete: [] },
    });
    expect(t.entryFor(JOHN, 'other.example')).toEqual({
      streamId: 1,
      recipients: { add: [OTTO], delete: [] },
    });
    expect(t.entryFor(JOHN, 'matrix.org')).toBeUndefined();
    expect(t.entryFor(JOHN, 'nobody.example')).toBeUndefined();
  });

  it('unchanged set, acknowledged: stream_id alone, no recipients, no prev_id', () => {
    const t = tracker();
    t.setRecipients(JOHN, [ALICE]);
    t.acknowledge(JOHN, 'example.com', t.entryFor(JOHN, 'example.com')!.streamId!);
    expect(t.setRecipients(JOHN, [ALICE])).toMatchObject({ streamId: 1, changed: false });
    expect(t.entryFor(JOHN, 'example.com')).toEqual({ streamId: 1 });
  });

  it('unchanged set, not acknowledged: the whole set again (what the destination holds did not move)', () => {
    const t = tracker();
    t.setRecipients(JOHN, [ALICE]);
    t.entryFor(JOHN, 'example.com');
    t.setRecipients(JOHN, [ALICE]);
    expect(t.entryFor(JOHN, 'example.com')).toEqual({
      streamId: 1,
      recipients: { add: [ALICE], delete: [] },
    });
  });

  it('changed set: prev_id is the acknowledged version, recipients the delta; empty lists where nothing changed', () => {
    const t = tracker();
    t.setRecipients(JOHN, [ALICE, OTTO]);
    t.acknowledge(JOHN, 'example.com', 1);
    t.entryFor(JOHN, 'other.example');
    t.acknowledge(JOHN, 'other.example', 1);
    // acknowledging a version never sent there is ignored
    t.entryFor(JOHN, 'example.com');
    t.acknowledge(JOHN, 'example.com', 1);
    const change = t.setRecipients(JOHN, [GEOFF, OTTO, LOCAL]);
    expect(change).toMatchObject({ streamId: 2, changed: true });
    expect(t.entryFor(JOHN, 'example.com')).toEqual({
      streamId: 2,
      prevId: 1,
      recipients: { add: [GEOFF], delete: [ALICE] },
    });
    expect(t.entryFor(JOHN, 'other.example')).toEqual({
      streamId: 2,
      prevId: 1,
      recipients: { add: [], delete: [] },
    });
  });

  it('the last recipient removed: a delete, then nothing more to that destination', () => {
    const t = tracker();
    t.setRecipients(JOHN, [ALICE]);
    t.acknowledge(JOHN, 'example.com', t.entryFor(JOHN, 'example.com')!.streamId!);
    expect(t.setRecipients(JOHN, []).destinations).toEqual(['example.com']);
    const removal = t.entryFor(JOHN, 'example.com');
    expect(removal).toEqual({ streamId: 2, prevId: 1, recipients: { add: [], delete: [ALICE] } });
    t.acknowledge(JOHN, 'example.com', 2);
    expect(t.setRecipients(JOHN, [OTTO]).destinations).toEqual(['other.example']);
    expect(t.entryFor(JOHN, 'example.com')).toBeUndefined();
    // added again later: a whole set, no prev_id
    t.setRecipients(JOHN, [ALICE]);
    expect(t.entryFor(JOHN, 'example.com')).toEqual({
      streamId: 4,
      recipients: { add: [ALICE], delete: [] },
    });
  });

  it('answerQuery: 404 (undefined) for an unknown user; the destination users only; the destination then holds them', () => {
    const t = tracker();
    expect(t.answerQuery(JOHN, 'example.com')).toBeUndefined();
    t.setRecipients(JOHN, [ALICE, OTTO, LOCAL]);
    expect(t.answerQuery(JOHN, 'example.com')).toEqual({ stream_id: 1, recipients: [ALICE] });
    expect(t.entryFor(JOHN, 'example.com')).toEqual({ streamId: 1 });
    expect(t.answerQuery(JOHN, 'nobody.example')).toEqual({ stream_id: 1, recipients: [] });
  });

  it('forget drops the user', () => {
    const t = tracker();
    t.setRecipients(JOHN, [ALICE]);
    t.forget(JOHN);
    expect(t.entryFor(JOHN, 'example.com')).toBeUndefined();
    expect(t.answerQuery(JOHN, 'example.com')).toBeUndefined();
  });

  it('default stream IDs: unique, increasing, from the clock in microseconds', () => {
    const t = new RecipientStreamTracker({ serverName: 'matrix.org', now: () => 1_000 });
    const ids = [[ALICE], [GEOFF], [ALICE]].map((set) => t.setRecipients(JOHN, set).streamId);
    expect(ids).toEqual([1_000_000, 1_000_001, 1_000_002]);
  });

  it('refuses an invalid server name', () => {
    expect(() => new RecipientStreamTracker({ serverName: 'not a server' })).toThrow(
      SelectivePresenceError,
    );
  });
});
