/**
 * The `m.presence` EDU: `{"edu_type": "m.presence", "content": {"push": [...]}}`, each entry
 * formatted as Synapse's `format_user_presence_state` does for federation:
 * `user_id` and `presence` always; `last_active_ago` (ms before sending) only when the
 * state's `lastActiveTs` is not 0 (the specification marks it required; Synapse omits it);
 * `status_msg` only when non-empty and the user is not offline; `currently_active` only when
 * online. Reading an EDU keeps entries of the origin's users only, as Synapse does, and
 * converts `last_active_ago` against the receipt time. Extensions (MSC4495's `stream_id`,
 * `prev_id`, `recipients`) ride along: `presenceEdu` merges extra fields into each entry
 * (the standard fields win), and `readPresenceEdu` returns each accepted entry as received.
 *
 * @example
 * ```ts
 * presencePush(userPresenceState('@a:hs', { state: 'online', lastActiveTs: now - 5000 }), now);
 * // { user_id: '@a:hs', presence: 'online', last_active_ago: 5000, currently_active: false }
 * ```
 * @module
 */
import {
  PRESENCE_STATES,
  type PresenceStateName,
  serverNameOf,
  UserPresenceState,
  userIdProblem,
} from '@presence-router/core';
import type { JsonObject } from './canonical-json.ts';

/** The EDU type of presence. */
export const PRESENCE_EDU_TYPE = 'm.presence';

/** At most this many states in one `m.presence` EDU (Synapse's MAX_PRESENCE_STATES_PER_EDU). */
export const MAX_PRESENCE_STATES_PER_EDU = 50;

/** One entry of an `m.presence` EDU's `push` list. */
export interface PresencePush {
  readonly user_id: string;
  readonly presence: PresenceStateName;
  readonly last_active_ago?: number;
  readonly currently_active?: boolean;
  readonly status_msg?: string;
}

/** An EDU as it appears in a transaction. */
export interface Edu {
  readonly edu_type: string;
  readonly content: JsonObject;
}

/** The federation form of `state` at time `now` (ms since the epoch). */
export function presencePush(state: UserPresenceState, now: number): PresencePush {
  const push: {
    user_id: string;
    presence: PresenceStateName;
    last_active_ago?: number;
    currently_active?: boolean;
    status_msg?: string;
  } = { user_id: state.userId, presence: state.state };
  if (state.lastActiveTs !== 0)
    push.last_active_ago = Math.max(0, Math.round(now - state.lastActiveTs));
  if (state.statusMsg && state.state !== 'offline') push.status_msg = state.statusMsg;
  if (state.state === 'online') push.currently_active = state.currentlyActive;
  return push;
}

/** Extra fields of one state's entry (merged under the standard ones), or undefined. */
export type PresenceEntryFields = (state: UserPresenceState) => JsonObject | undefined;

/**
 * One `m.presence` EDU of `states` (the caller keeps it to {@link MAX_PRESENCE_STATES_PER_EDU}),
 * each entry with `extraFields(state)` merged in when given (a standard field is never replaced).
 */
export function presenceEdu(
  states: Iterable<UserPresenceState>,
  now: number,
  extraFields?: PresenceEntryFields,
): Edu {
  const push = [...states].map((state) => {
    const entry = presencePush(state, now) as unknown as JsonObject;
    const extra = extraFields?.(state);
    return extra === undefined ? entry : { ...extra, ...entry };
  });
  return { edu_type: PRESENCE_EDU_TYPE, content: { push } };
}

/** An entry of a received EDU that was not accepted, and why. */
export interface DroppedPresence {
  readonly entry: unknown;
  readonly reason: string;
}

/** What {@link readPresenceEdu} found. */
export interface ReadPresence {
  readonly accepted: readonly UserPresenceState[];
  /** The entry each accepted state was read from, as received (at the same index). */
  readonly entries: readonly Readonly<Record<string, unknown>>[];
  readonly dropped: readonly DroppedPresence[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readEntry(origin: string, entry: unknown, receivedAt: number): UserPresenceState | string {
  if (!isObject(entry)) return 'the entry is not an object';
  const userId = entry.user_id;
  if (typeof userId !== 'string' || userIdProblem(userId) !== undefined) {
    return 'user_id is not a user ID';
  }
  if (serverNameOf(userId) !== origin) return `${userId} is not a user of ${origin}`;
  const presence = entry.presence;
  if (typeof presence !== 'string' || !(PRESENCE_STATES as readonly string[]).includes(presence)) {
    return `presence ${JSON.stringify(presence)} is not one of ${PRESENCE_STATES.join(', ')}`;
  }
  const ago = entry.last_active_ago;
  if (ago !== undefined && (typeof ago !== 'number' || !Number.isSafeInteger(ago) || ago < 0)) {
    return 'last_active_ago is not a non-negative integer';
  }
  const active = entry.currently_active;
  if (active !== undefined && typeof active !== 'boolean')
    return 'currently_active is not a boolean';
  const status = entry.status_msg;
  if (status !== undefined && status !== null && typeof status !== 'string') {
    return 'status_msg is not a string';
  }
  return new UserPresenceState({
    userId,
    state: presence as PresenceStateName,
    lastActiveTs: ago === undefined ? 0 : Math.max(0, receivedAt - ago),
    lastFederationUpdateTs: receivedAt,
    lastUserSyncTs: 0,
    statusMsg: typeof status === 'string' && status !== '' ? status : null,
    currentlyActive: active ?? false,
  });
}

/**
 * The states of an `m.presence` EDU's content sent by `origin` and received at `receivedAt`.
 * Entries are dropped (with the reason) when they are not objects, name a user of another
 * server, or have a field of the wrong type or value; a missing `last_active_ago` gives
 * `lastActiveTs` 0.
 */
export function readPresenceEdu(
  origin: string,
  content: unknown,
  receivedAt: number,
): ReadPresence {
  const accepted: UserPresenceState[] = [];
  const entries: Record<string, unknown>[] = [];
  const dropped: DroppedPresence[] = [];
  const push = isObject(content) ? content.push : undefined;
  if (!Array.isArray(push)) {
    return {
      accepted,
      entries,
      dropped: [{ entry: content, reason: 'content.push is not a list' }],
    };
  }
  for (const entry of push) {
    const result = readEntry(origin, entry, receivedAt);
    if (typeof result === 'string') dropped.push({ entry, reason: result });
    else {
      accepted.push(result);
      entries.push(entry as Record<string, unknown>);
    }
  }
  return { accepted, entries, dropped };
}
