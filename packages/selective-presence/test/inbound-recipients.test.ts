import { describe, expect, it } from 'vitest';
import {
  applyRecipientFields,
  InboundRecipientSets,
  type KnownRecipientSet,
  parseRecipientsQueryResponse,
  type RecipientFields,
  RecipientStreamTracker,
  readRecipientFields,
  recipientFieldsJson,
} from '../src/index.ts';

const ALICE = '@alice:example.com';
const GEOFF = '@geoff:example.com';
const EVE = '@eve:other.example';
const HELD: KnownRecipientSet = { streamId: 1, recipients: new Set([ALICE]) };

const set = (...users: string[]) => new Set(users);

describe('applyRecipientFields: the inbound rules', () => {
  const CASES: readonly [string, KnownRecipientSet | undefined, RecipientFields, unknown][] = [
    ['no stream_id: legacy', HELD, {}, { kind: 'legacy' }],
    [
      'stream_id alone naming the held set: deliver to it',
      HELD,
      { streamId: 1 },
      { kind: 'deliver', recipients: set(ALICE), state: HELD },
    ],
    [
      'stream_id alone, unknown: needs-query',
      HELD,
      { streamId: 2 },
      { kind: 'needs-query', streamId: 2 },
    ],
    [
      'stream_id alone, nothing held: needs-query',
      undefined,
      { streamId: 2 },
      { kind: 'needs-query', streamId: 2 },
    ],
    [
      'recipients without prev_id, nothing held: a new set of the added users (this server only)',
      undefined,
      { streamId: 5, recipients: { add: [ALICE, EVE], delete: [] } },
      { kind: 'deliver', recipients: set(ALICE), state: { streamId: 5, recipients: set(ALICE) } },
    ],
    [
      'recipients without prev_id, a set held: replaced',
      HELD,
      { streamId: 5, recipients: { add: [GEOFF], delete: [] } },
      { kind: 'deliver', recipients: set(GEOFF), state: { streamId: 5, recipients: set(GEOFF) } },
    ],
    [
      'delta on the held set: applied',
      HELD,
      { streamId: 2, prevId: 1, recipients: { add: [GEOFF, EVE], delete: [ALICE] } },
      { kind: 'deliver', recipients: set(GEOFF), state: { streamId: 2, recipients: set(GEOFF) } },
    ],
    [
      'empty delta on the held set: same users, new stream_id',
      HELD,
      { streamId: 2, prevId: 1, recipients: { add: [], delete: [] } },
      { kind: 'deliver', recipients: set(ALICE), state: { streamId: 2, recipients: set(ALICE) } },
    ],
    [
      'delta deleting the last user: delivered to nobody',
      HELD,
      { streamId: 2, prevId: 1, recipients: { add: [], delete: [ALICE] } },
      { kind: 'deliver', recipients: set(), state: { streamId: 2, recipients: set() } },
    ],
    [
      'delta on an unknown prev_id: needs-query',
      HELD,
      { streamId: 3, prevId: 2, recipients: { add: [GEOFF], delete: [] } },
      { kind: 'needs-query', streamId: 3 },
    ],
    [
      'delta with nothing held: needs-query',
      undefined,
      { streamId: 3, prevId: 2, recipients: { add: [GEOFF], delete: [] } },
      { kind: 'needs-query', streamId: 3 },
    ],
    [
      'the same delta again (stream_id already held): delivered to the held set unchanged',
      { streamId: 2, recipients: set(GEOFF) },
      { streamId: 2, prevId: 1, recipients: { add: [], delete: [GEOFF] } },
      { kind: 'deliver', recipients: set(GEOFF), state: { streamId: 2, recipients: set(GEOFF) } },
    ],
  ];

  for (const [name, held, fields, expected] of CASES) {
    it(name, () => {
      expect(applyRecipientFields(held, fields, 'example.com')).toEqual(expected);
    });
  }
});

describe('InboundRecipientSets', () => {
  it('holds what it delivered, recovers from a query answer', () => {
    const sets = new InboundRecipientSets({ serverName: 'example.com' });
    expect(
      sets.apply('@j:m.example', {
        streamId: 7,
        prevId: 6,
        recipients: { add: [ALICE], delete: [] },
      }),
    ).toEqual({ kind: 'needs-query', streamId: 7 });
    expect(sets.get('@j:m.example')).toBeUndefined();
    sets.recover(
      '@j:m.example',
      parseRecipientsQueryResponse(
        { stream_id: 7, recipients: [GEOFF] },
        { serverName: 'example.com' },
      ),
    );
    expect(sets.apply('@j:m.example', { streamId: 7 })).toMatchObject({
      kind: 'deliver',
      recipients: set(GEOFF),
    });
    sets.forget('@j:m.example');
    expect(sets.get('@j:m.example')).toBeUndefined();
  });
});

/** A small seeded generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('sender and receiver together', () => {
  for (const seed of [1, 7, 42, 1234, 99_999]) {
    it(`seed ${seed}: every delivery goes to exactly the sender's current recipients there, through lost transactions and lost answers`, () => {
      const random = lcg(seed);
      const sender = new RecipientStreamTracker({ serverName: 'matrix.org' });
      const receiver = new InboundRecipientSets({ serverName: 'example.com' });
      const pool = ['@a:example.com', '@b:example.com', '@c:example.com', '@d:example.com', EVE];
      const user = '@john:matrix.org';
      let deliveries = 0;
      let queries = 0;
      let wanted = new Set<string>();
      for (let round = 0; round < 300; round++) {
        if (round === 0 || random() < 0.4) {
          const recipients = pool.filter(() => random() < 0.5);
          sender.setRecipients(user, recipients);
          wanted = new Set(recipients.filter((r) => r.endsWith(':example.com')));
        }
        const fields = sender.entryFor(user, 'example.com');
        if (fields === undefined) {
          expect(wanted.size).toBe(0);
          continue;
        }
        const fate = random();
        if (fate < 0.15) continue; // the transaction is lost
        const onWire = readRecipientFields(
          recipientFieldsJson(fields, random() < 0.5 ? 'stable' : 'unstable'),
        );
        if (typeof onWire === 'string') throw new Error(onWire);
        let decision = receiver.apply(user, onWire);
        if (decision.kind === 'needs-query') {
          queries++;
          const answer = sender.answerQuery(user, 'example.com');
          receiver.recover(
            user,
            parseRecipientsQueryResponse(answer, { serverName: 'example.com' }),
          );
          decision = receiver.apply(user, { streamId: decision.streamId });
        }
        expect(decision.kind).toBe('deliver');
        if (decision.kind === 'deliver') {
          expect([...decision.recipients].sort()).toEqual([...wanted].sort());
          deliveries++;
        }
        if (fate >= 0.25 && onWire.streamId !== undefined) {
          sender.acknowledge(user, 'example.com', onWire.streamId); // else the 200 is lost
        }
      }
      expect(deliveries).toBeGreaterThan(100);
      expect(queries).toBeGreaterThan(0);
    });
  }
});
