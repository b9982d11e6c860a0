/**
 * Synapse's presence state machine as pure functions: what a sync, a `PUT /presence` and the
 * timers do to a user's state, and which changes are worth telling anyone about.
 *
 * @example
 * ```ts
 * const next = afterSync(previous, 'online', Date.now(), timers);
 * if (shouldNotify(previous, next, timers)) publish(next);
 * ```
 * @module
 */
import type { PresenceStateName, UserPresenceState } from '@presence-router/core';

/** The presence timers (milliseconds), Synapse's names and defaults. */
export interface PresenceTimerSettings {
  /** No sync for this long: the user goes offline (Synapse's SYNC_ONLINE_TIMEOUT, 30 s). */
  readonly syncOnlineTimeoutMs: number;
  /** No activity for this long while online: the user goes unavailable (IDLE_TIMER, 5 min). */
  readonly idleTimeoutMs: number;
  /** Activity older than this: no longer `currently_active` (LAST_ACTIVE_GRANULARITY, 60 s). */
  readonly lastActiveGranularityMs: number;
}

/** Synapse's defaults. */
export const DEFAULT_PRESENCE_TIMERS: PresenceTimerSettings = {
  syncOnlineTimeoutMs: 30_000,
  idleTimeoutMs: 5 * 60_000,
  lastActiveGranularityMs: 60_000,
};

/** The `set_presence` values of `/sync`. */
export type SetPresence = 'online' | 'unavailable' | 'offline';

/**
 * The state after a sync. `online` (the default) marks the user online and active;
 * `unavailable` marks the user idle (a busy user stays busy either way); `offline` leaves presence unchanged.
 * Any sync that affects presence records the sync time.
 */
export function afterSync(
  previous: UserPresenceState,
  setPresence: SetPresence,
  now: number,
): UserPresenceState {
  if (setPresence === 'offline') return previous;
  if (setPresence === 'unavailable') {
    return previous.with({
      state: previous.state === 'org.matrix.msc3026.busy' ? previous.state : 'unavailable',
      lastUserSyncTs: now,
      currentlyActive: false,
    });
  }
  const keepBusy = previous.state === 'org.matrix.msc3026.busy';
  return previous.with({
    state: keepBusy ? previous.state : 'online',
    lastActiveTs: now,
    lastUserSyncTs: now,
    currentlyActive: !keepBusy,
  });
}

/**
 * The state after `PUT /presence/{userId}/status`: the new presence, the status message
 * (cleared when not given, as Synapse does), and activity now when going online or busy.
 * Unlike Synapse, a PUT also restarts the sync timeout, so a client that only PUTs keeps its
 * presence for `sync_online_timeout` instead of dropping to offline at the next timer run.
 */
export function afterSetPresence(
  previous: UserPresenceState,
  presence: PresenceStateName,
  statusMsg: string | null,
  now: number,
): UserPresenceState {
  const active = presence === 'online' || presence === 'org.matrix.msc3026.busy';
  return previous.with({
    state: presence,
    statusMsg: presence === 'offline' ? previous.statusMsg : statusMsg,
    lastActiveTs: active ? now : previous.lastActiveTs,
    // Counts as a sync for the sync timeout, so a PUT alone keeps the state for that long.
    lastUserSyncTs: presence === 'offline' ? previous.lastUserSyncTs : now,
    currentlyActive: presence === 'online',
  });
}

/**
 * What the timers do to a local user's state at `now` (the same instance when nothing
 * changes): idle -> `unavailable`, stale activity -> not `currently_active`, no sync for
 * the sync timeout (and no sync in progress) -> `offline`.
 */
export function afterTimers(
  state: UserPresenceState,
  now: number,
  syncing: boolean,
  timers: PresenceTimerSettings,
): UserPresenceState {
  if (state.state === 'offline') return state;
  let next = state;
  if (next.state === 'online' && now - next.lastActiveTs > timers.idleTimeoutMs) {
    next = next.with({ state: 'unavailable', currentlyActive: false });
  }
  if (next.currentlyActive && now - next.lastActiveTs > timers.lastActiveGranularityMs) {
    next = next.with({ currentlyActive: false });
  }
  if (!syncing && now - next.lastUserSyncTs > timers.syncOnlineTimeoutMs) {
    next = next.with({ state: 'offline', currentlyActive: false });
  }
  return next;
}

/** A remote user's presence with no update for this long is offline (Synapse's FEDERATION_TIMEOUT). */
export const FEDERATION_TIMEOUT_MS = 30 * 60_000;

/**
 * The state of a remote user after the timer check: offline once its server has sent nothing
 * about it for {@link FEDERATION_TIMEOUT_MS} (servers re-send online users every 25 minutes).
 */
export function afterFederationTimeout(state: UserPresenceState, now: number): UserPresenceState {
  if (state.state === 'offline' || now - state.lastFederationUpdateTs <= FEDERATION_TIMEOUT_MS) {
    return state;
  }
  return state.with({ state: 'offline', currentlyActive: false });
}

/**
 * Whether a change is worth sending (Synapse's `should_notify`): the presence, the status
 * message or `currently_active` changed, or an online user's activity moved by more than the
 * granularity. Sync timestamps alone are not news.
 */
export function shouldNotify(
  previous: UserPresenceState,
  next: UserPresenceState,
  timers: PresenceTimerSettings,
): boolean {
  if (previous.state !== next.state) return true;
  if (previous.statusMsg !== next.statusMsg) return true;
  if (previous.currentlyActive !== next.currentlyActive) return true;
  return (
    next.state === 'online' &&
    !next.currentlyActive &&
    next.lastActiveTs - previous.lastActiveTs > timers.lastActiveGranularityMs
  );
}
