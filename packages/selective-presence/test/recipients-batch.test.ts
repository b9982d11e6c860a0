import { describe, expect, it } from 'vitest';
import {
  type JoinedRoomFacts,
  type PresenceSharingSettings,
  parseSharingSettings,
  selectiveRecipientsForBatch,
} from '../src/index.ts';

const ROOM: JoinedRoomFacts = {
  roomId: '!r:hs.example',
  members: ['@a:hs.example', '@b:hs.example', '@c:remote.example'],
  hint: 'suggest',
};

describe('selectiveRecipientsForBatch', () => {
  it('computes each distinct user once, in first-seen order; no settings: nobody, no room lookup', () => {
    const settings = new Map<string, PresenceSharingSettings>([
      ['@a:hs.example', parseSharingSettings({ rooms: { '!r:hs.example': 'allow' } })],
      ['@b:hs.example', parseSharingSettings({ share_locally: true })],
    ]);
    const looked: string[] = [];
    const result = selectiveRecipientsForBatch(
      ['@a:hs.example', '@c:hs.example', '@b:hs.example', '@a:hs.example'],
      {
        serverName: 'hs.example',
        settingsOf: (userId) => settings.get(userId),
        roomsOf: (userId) => {
          looked.push(userId);
          return [ROOM];
        },
      },
    );
    expect([...result.keys()]).toEqual(['@a:hs.example', '@c:hs.example', '@b:hs.example']);
    expect([...result.get('@a:hs.example')!]).toEqual(['@b:hs.example', '@c:remote.example']);
    expect([...result.get('@b:hs.example')!]).toEqual(['@a:hs.example']);
    expect(result.get('@c:hs.example')!.size).toBe(0);
    expect(looked).toEqual(['@a:hs.example', '@b:hs.example']);
  });

  it('handles a 20,000-member room for 50 updates', () => {
    const members = Array.from({ length: 20_000 }, (_, i) => `@u${i}:hs.example`);
    const big: JoinedRoomFacts = { roomId: '!big:hs.example', members, hint: 'suggest' };
    const settings = parseSharingSettings({ rooms: { '!big:hs.example': 'allow' } });
    const result = selectiveRecipientsForBatch(members.slice(0, 50), {
      serverName: 'hs.example',
      settingsOf: () => settings,
      roomsOf: () => [big],
    });
    expect(result.size).toBe(50);
    for (const recipients of result.values()) expect(recipients.size).toBe(19_999);
  });
});
