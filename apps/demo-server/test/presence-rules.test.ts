import { userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { presenceEvent } from '../src/presence-event.ts';
import {
  afterSetPresence,
  afterSync,
  afterTimers,
  DEFAULT_PRESENCE_TIMERS,
  shouldNotify,
} from '../src/presence-rules.ts';

const timers = DEFAULT_PRESENCE_TIMERS;
const user = '@alice:hs.example';
const now = 1_000_000_000;

describe('presence rules (Synapse semantics)', () => {
  it('sync: online by default, unavailable marks idle, offline changes nothing', () => {
    const offline = userPresenceState(user);
    const online = afterSync(offline, 'online', now);
    expect(online).toMatchObject({
      state: 'online',
      lastActiveTs: now,
      lastUserSyncTs: now,
      currentlyActive: true,
    });
    expect(afterSync(offline, 'offline', now)).toBe(offline);
    expect(afterSync(online, 'unavailable', now + 1)).toMatchObject({
      state: 'unavailable',
      currentlyActive: false,
    });
    const busy = userPresenceState(user, { state: 'org.matrix.msc3026.busy' });
    expect(afterSync(busy, 'online', now).state).toBe('org.matrix.msc3026.busy');
  });

  it('PUT: sets presence and status, clears the status when not given, keeps it when going offline', () => {
    const start = userPresenceState(user);
    const set = afterSetPresence(start, 'online', 'hi', now);
    expect(set).toMatchObject({
      state: 'online',
      statusMsg: 'hi',
      lastActiveTs: now,
      currentlyActive: true,
    });
    expect(afterSetPresence(set, 'unavailable', null, now + 1).statusMsg).toBeNull();
    const off = afterSetPresence(set, 'offline', null, now + 1);
    expect(off).toMatchObject({
      state: 'offline',
      statusMsg: 'hi',
      currentlyActive: false,
      lastActiveTs: now,
    });
  });

  it('timers: idle -> unavailable, no sync -> offline, a running sync keeps the user online', () => {
    const online = afterSync(userPresenceState(user), 'online', now);
    expect(afterTimers(online, now + 1000, false, timers)).toBe(online);
    expect(
      afterTimers(online, now + timers.lastActiveGranularityMs + 1, true, timers),
    ).toMatchObject({
      state: 'online',
      currentlyActive: false,
    });
    expect(afterTimers(online, now + timers.idleTimeoutMs + 1, true, timers).state).toBe(
      'unavailable',
    );
    expect(afterTimers(online, now + timers.syncOnlineTimeoutMs + 1, false, timers).state).toBe(
      'offline',
    );
    expect(afterTimers(online, now + timers.syncOnlineTimeoutMs + 1, true, timers).state).toBe(
      'online',
    );
    const offline = userPresenceState(user);
    expect(afterTimers(offline, now * 2, false, timers)).toBe(offline);
  });

  it('only news is notified: state, status, currently_active; not sync timestamps', () => {
    const online = afterSync(userPresenceState(user), 'online', now);
    expect(shouldNotify(online, afterSync(online, 'online', now + 5000), timers)).toBe(false);
    expect(shouldNotify(online, online.with({ statusMsg: 'x' }), timers)).toBe(true);
    expect(shouldNotify(online, online.with({ state: 'unavailable' }), timers)).toBe(true);
    expect(shouldNotify(online, online.with({ currentlyActive: false }), timers)).toBe(true);
  });

  it('m.presence events follow Synapse formatting', () => {
    const offline = userPresenceState(user);
    expect(presenceEvent(offline, now)).toEqual({
      type: 'm.presence',
      sender: user,
      content: { presence: 'offline' },
    });
    const online = userPresenceState(user, {
      state: 'online',
      lastActiveTs: now - 42,
      statusMsg: '',
      currentlyActive: true,
    });
    expect(presenceEvent(online, now).content).toEqual({
      presence: 'online',
      last_active_ago: 42,
      currently_active: true,
    });
    const away = userPresenceState(user, {
      state: 'unavailable',
      lastActiveTs: now - 5,
      statusMsg: 'away',
      currentlyActive: false,
    });
    expect(presenceEvent(away, now).content).toEqual({
      presence: 'unavailable',
      last_active_ago: 5,
      status_msg: 'away',
    });
  });
});
