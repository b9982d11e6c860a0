/**
 * Formatting presence for clients, as Synapse does: `m.presence` events for `/sync` and the
 * body of `GET /presence/{userId}/status`.
 *
 * @example
 * ```ts
 * presenceEvent(userPresenceState('@a:hs', { state: 'online', lastActiveTs: now - 5 }), now);
 * // { type: 'm.presence', sender: '@a:hs',
 * //   content: { presence: 'online', last_active_ago: 5, currently_active: true } }
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';

/** The content of an `m.presence` event. */
export interface PresenceContent {
  presence: string;
  last_active_ago?: number;
  status_msg?: string;
  currently_active?: boolean;
}

/** An `m.presence` event as `/sync` returns it. */
export interface PresenceEvent {
  type: 'm.presence';
  sender: string;
  content: PresenceContent;
}

/**
 * The content of a presence event: `last_active_ago` only when the last activity is known,
 * `status_msg` only when non-empty, `currently_active` only when online.
 */
export function presenceContent(state: UserPresenceState, now: number): PresenceContent {
  const content: PresenceContent = { presence: state.state };
  if (state.lastActiveTs !== 0) content.last_active_ago = Math.max(0, now - state.lastActiveTs);
  if (state.statusMsg) content.status_msg = state.statusMsg;
  if (state.state === 'online') content.currently_active = state.currentlyActive;
  return content;
}

/** An `m.presence` event for `/sync`. */
export function presenceEvent(state: UserPresenceState, now: number): PresenceEvent {
  return { type: 'm.presence', sender: state.userId, content: presenceContent(state, now) };
}
