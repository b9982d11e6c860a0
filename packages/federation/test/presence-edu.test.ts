import { userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { presenceEdu, presencePush, readPresenceEdu } from '../src/presence-edu.ts';

const NOW = 1_700_000_000_000;

describe('m.presence entries as Synapse formats them for federation', () => {
  it.each([
    [
      'online, active: currently_active, last_active_ago and status_msg',
      { state: 'online', lastActiveTs: NOW - 5_000, currentlyActive: true, statusMsg: 'hi' },
      {
        user_id: '@a:hs.example',
        presence: 'online',
        last_active_ago: 5_000,
        currently_active: true,
        status_msg: 'hi',
      },
    ],
    [
      'online without last activity: no last_active_ago, currently_active false',
      { state: 'online' },
      { user_id: '@a:hs.example', presence: 'online', currently_active: false },
    ],
    [
      'unavailable: no currently_active',
      {
        state: 'unavailable',
        lastActiveTs: NOW - 60_000,
        currentlyActive: true,
        statusMsg: 'away',
      },
      {
        user_id: '@a:hs.example',
        presence: 'unavailable',
        last_active_ago: 60_000,
        status_msg: 'away',
      },
    ],
    [
      'offline: no status_msg, no currently_active',
      { state: 'offline', lastActiveTs: NOW - 1, statusMsg: 'gone' },
      { user_id: '@a:hs.example', presence: 'offline', last_active_ago: 1 },
    ],
    [
      'an empty status message is left out',
      { state: 'org.matrix.msc3026.busy', statusMsg: '' },
      { user_id: '@a:hs.example', presence: 'org.matrix.msc3026.busy' },
    ],
    [
      'last_active_ago is a whole non-negative number of milliseconds',
      { state: 'unavailable', lastActiveTs: NOW + 10.6 },
      { user_id: '@a:hs.example', presence: 'unavailable', last_active_ago: 0 },
    ],
  ] as const)('%s', (_name, fields, expected) => {
    expect(presencePush(userPresenceState('@a:hs.example', fields), NOW)).toEqual(expected);
  });

  it('builds an EDU of type m.presence with a push list', () => {
    const edu = presenceEdu(
      [userPresenceState('@a:hs.example'), userPresenceState('@b:hs.example')],
      NOW,
    );
    expect(edu).toEqual({
      edu_type: 'm.presence',
      content: {
        push: [
          { user_id: '@a:hs.example', presence: 'offline' },
          { user_id: '@b:hs.example', presence: 'offline' },
        ],
      },
    });
  });
});

describe('reading a received m.presence EDU', () => {
  it('converts entries of the origin users to UserPresenceStates at the receipt time', () => {
    const read = readPresenceEdu(
      'remote.example',
      {
        push: [
          {
            user_id: '@a:remote.example',
            presence: 'online',
            last_active_ago: 5_000,
            currently_active: true,
            status_msg: 'hi',
          },
          { user_id: '@b:remote.example', presence: 'unavailable' },
        ],
      },
      NOW,
    );
    expect(read.dropped).toEqual([]);
    expect(read.accepted.map((s) => s.toFields())).toEqual([
      {
        userId: '@a:remote.example',
        state: 'online',
        lastActiveTs: NOW - 5_000,
        lastFederationUpdateTs: NOW,
        lastUserSyncTs: 0,
        statusMsg: 'hi',
        currentlyActive: true,
      },
      {
        userId: '@b:remote.example',
        state: 'unavailable',
        lastActiveTs: 0,
        lastFederationUpdateTs: NOW,
        lastUserSyncTs: 0,
        statusMsg: null,
        currentlyActive: false,
      },
    ]);
  });

  it('drops entries of other servers and entries with bad fields, saying why', () => {
    const read = readPresenceEdu(
      'remote.example',
      {
        push: [
          { user_id: '@victim:hs.example', presence: 'offline' },
          { user_id: '@a:remote.example.evil', presence: 'online' },
          { user_id: 'not-a-user', presence: 'online' },
          { user_id: '@a:remote.example', presence: 'dancing' },
          { user_id: '@a:remote.example', presence: 'online', last_active_ago: -1 },
          { user_id: '@a:remote.example', presence: 'online', last_active_ago: 1.5 },
          { user_id: '@a:remote.example', presence: 'online', currently_active: 'yes' },
          { user_id: '@a:remote.example', presence: 'online', status_msg: 7 },
          'nonsense',
          { user_id: '@ok:remote.example', presence: 'offline' },
        ],
      },
      NOW,
    );
    expect(read.accepted.map((s) => s.userId)).toEqual(['@ok:remote.example']);
    expect(read.dropped.map((d) => d.reason)).toEqual([
      '@victim:hs.example is not a user of remote.example',
      '@a:remote.example.evil is not a user of remote.example',
      'user_id is not a user ID',
      'presence "dancing" is not one of online, unavailable, offline, org.matrix.msc3026.busy',
      'last_active_ago is not a non-negative integer',
      'last_active_ago is not a non-negative integer',
      'currently_active is not a boolean',
      'status_msg is not a string',
      'the entry is not an object',
    ]);
  });

  it('reports content without a push list', () => {
    expect(readPresenceEdu('r.example', { pull: [] }, NOW).dropped).toEqual([
      { entry: { pull: [] }, reason: 'content.push is not a list' },
    ]);
  });
});
