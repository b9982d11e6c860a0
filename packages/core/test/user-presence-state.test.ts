import { describe, expect, it } from 'vitest';
import {
  InvalidIdentifierError,
  InvalidPresenceStateError,
  presenceStateKey,
  UserPresenceState,
  userPresenceState,
} from '../src/index.ts';

describe('userPresenceState', () => {
  it("takes Synapse's defaults for missing fields", () => {
    const state = userPresenceState('@alice:hs.example');
    expect(state.toFields()).toEqual({
      userId: '@alice:hs.example',
      state: 'offline',
      lastActiveTs: 0,
      lastFederationUpdateTs: 0,
      lastUserSyncTs: 0,
      statusMsg: null,
      currentlyActive: false,
    });
  });

  it('is immutable', () => {
    const state = userPresenceState('@alice:hs.example', { state: 'online' });
    expect(Object.isFrozen(state)).toBe(true);
    expect(() => {
      (state as { state: string }).state = 'offline';
    }).toThrow(TypeError);
    expect(state.state).toBe('online');
  });

  it('compares by value over all seven fields', () => {
    const a = userPresenceState('@a:hs', { state: 'online', statusMsg: 'hi', lastActiveTs: 5 });
    const b = userPresenceState('@a:hs', { state: 'online', statusMsg: 'hi', lastActiveTs: 5 });
    expect(a).not.toBe(b);
    expect(a.equals(b)).toBe(true);
    expect(presenceStateKey(a)).toBe(presenceStateKey(b));
    for (const change of [
      { state: 'unavailable' as const },
      { lastActiveTs: 6 },
      { lastFederationUpdateTs: 1 },
      { lastUserSyncTs: 1 },
      { statusMsg: 'bye' },
      { currentlyActive: true },
    ]) {
      const c = a.with(change);
      expect(a.equals(c)).toBe(false);
      expect(presenceStateKey(a)).not.toBe(presenceStateKey(c));
    }
    expect(
      a.equals(userPresenceState('@b:hs', { state: 'online', statusMsg: 'hi', lastActiveTs: 5 })),
    ).toBe(false);
  });

  it('with() returns a changed copy and leaves the original alone', () => {
    const a = userPresenceState('@a:hs', { state: 'online' });
    const b = a.with({ state: 'unavailable' });
    expect(b).toBeInstanceOf(UserPresenceState);
    expect(b.state).toBe('unavailable');
    expect(a.state).toBe('online');
  });

  it('rejects invalid user IDs and fields with typed errors', () => {
    expect(() => userPresenceState('alice')).toThrow(InvalidIdentifierError);
    try {
      userPresenceState('@a:hs', { state: 'away' as never });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPresenceStateError);
      expect((error as InvalidPresenceStateError).field).toBe('state');
      expect((error as InvalidPresenceStateError).code).toBe('INVALID_PRESENCE_STATE');
    }
    expect(() => userPresenceState('@a:hs', { lastActiveTs: -1 })).toThrow(/lastActiveTs/);
    expect(() => userPresenceState('@a:hs', { lastActiveTs: Number.NaN })).toThrow(/lastActiveTs/);
    expect(() => userPresenceState('@a:hs', { statusMsg: 5 as never })).toThrow(/statusMsg/);
    expect(() => userPresenceState('@a:hs', { currentlyActive: 'yes' as never })).toThrow(
      /currentlyActive/,
    );
  });

  it('accepts the busy state of MSC3026', () => {
    expect(userPresenceState('@a:hs', { state: 'org.matrix.msc3026.busy' }).state).toBe(
      'org.matrix.msc3026.busy',
    );
  });
});
