import { FixedMembership } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  gatherRecipientFacts,
  type PresenceSharingHint,
  parseSharingSettings,
  type RoomHintLookup,
  selectiveRecipients,
} from '../src/index.ts';

const ALICE = '@alice:hs.example';
const BOB = '@bob:hs.example';
const RITA = '@rita:remote.example';
const CAROL = '@carol:hs.example';
const TEAM = '!team:hs.example';
const LOBBY = '!lobby:hs.example';

class FixedHints implements RoomHintLookup {
  readonly calls: string[][] = [];
  readonly hints: Readonly<Record<string, PresenceSharingHint>>;
  constructor(hints: Readonly<Record<string, PresenceSharingHint>>) {
    this.hints = hints;
  }
  async getPresenceSharingHints(roomIds: readonly string[]) {
    this.calls.push([...roomIds]);
    return new Map(roomIds.map((roomId) => [roomId, this.hints[roomId] ?? ('forbid' as const)]));
  }
}

function world() {
  return {
    membership: new FixedMembership({ [TEAM]: [ALICE, BOB, RITA], [LOBBY]: [ALICE, CAROL] }),
    hints: new FixedHints({ [TEAM]: 'suggest' }),
  };
}

describe('gatherRecipientFacts', () => {
  it('without settings asks nothing and gives no rooms', async () => {
    const { membership, hints } = world();
    const facts = await gatherRecipientFacts(ALICE, undefined, {
      serverName: 'hs.example',
      membership,
      hints,
    });
    expect(facts).toEqual({ serverName: 'hs.example', rooms: [] });
    expect([membership.calls.rooms, membership.calls.members, hints.calls]).toEqual([[], [], []]);
  });

  it('room allows only: hints of the allowed joined rooms, members of the suggesting ones', async () => {
    const { membership, hints } = world();
    const settings = parseSharingSettings({
      rooms: { [TEAM]: 'allow', [LOBBY]: 'allow', '!gone:hs.example': 'allow' },
    });
    const facts = await gatherRecipientFacts(ALICE, settings, {
      serverName: 'hs.example',
      membership,
      hints,
    });
    expect(hints.calls).toEqual([[TEAM, LOBBY]]);
    expect(membership.calls.members).toEqual([[TEAM]]);
    expect(facts.rooms).toEqual([{ roomId: TEAM, members: [ALICE, BOB, RITA], hint: 'suggest' }]);
    expect([...selectiveRecipients(ALICE, settings, facts)]).toEqual([BOB, RITA]);
  });

  it('share_locally: members of every joined room (hints of allowed rooms only)', async () => {
    const { membership, hints } = world();
    const settings = parseSharingSettings({ share_locally: true });
    const facts = await gatherRecipientFacts(ALICE, settings, {
      serverName: 'hs.example',
      membership,
      hints,
    });
    expect(hints.calls).toEqual([]);
    expect(facts.rooms.map((room) => room.roomId)).toEqual([TEAM, LOBBY]);
    expect([...selectiveRecipients(ALICE, settings, facts)].sort()).toEqual([BOB, CAROL]);
  });

  it('without a hint source no room suggests', async () => {
    const { membership } = world();
    const settings = parseSharingSettings({ rooms: { [TEAM]: 'allow' } });
    const facts = await gatherRecipientFacts(ALICE, settings, {
      serverName: 'hs.example',
      membership,
    });
    expect(selectiveRecipients(ALICE, settings, facts).size).toBe(0);
  });
});
