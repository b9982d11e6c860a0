/**
 * `UserPresenceState`: one user's presence, immutable and compared by value, with
 * Synapse's fields and defaults.
 *
 * @example
 * ```ts
 * const a = userPresenceState('@alice:example.org', { state: 'online', statusMsg: 'hi' });
 * const b = a.with({ state: 'unavailable' });
 * a.equals(userPresenceState('@alice:example.org', { state: 'online', statusMsg: 'hi' })); // true
 * ```
 * @module
 */
import { InvalidIdentifierError, InvalidPresenceStateError } from './errors.ts';
import { userIdProblem } from './identifiers.ts';

/** Presence values: the three of the Matrix spec plus MSC3026's busy. */
export const PRESENCE_STATES = [
  'online',
  'unavailable',
  'offline',
  'org.matrix.msc3026.busy',
] as const;

/** One of {@link PRESENCE_STATES}. */
export type PresenceStateName = (typeof PRESENCE_STATES)[number];

/** The seven fields of a presence state. */
export interface UserPresenceStateFields {
  readonly userId: string;
  readonly state: PresenceStateName;
  /** Milliseconds since the epoch; 0 when unknown. */
  readonly lastActiveTs: number;
  /** Milliseconds since the epoch; 0 when unknown. */
  readonly lastFederationUpdateTs: number;
  /** Milliseconds since the epoch; 0 when unknown. */
  readonly lastUserSyncTs: number;
  readonly statusMsg: string | null;
  readonly currentlyActive: boolean;
}

/** The fields one may give to {@link userPresenceState}; the rest take Synapse's defaults. */
export type UserPresenceStateInit = Partial<Omit<UserPresenceStateFields, 'userId'>>;

const keyCache = new WeakMap<UserPresenceState, string>();

/**
 * A user's presence. Instances are frozen; use {@link UserPresenceState.with} to derive a
 * changed copy and {@link UserPresenceState.equals} (or {@link presenceStateKey}) to compare.
 */
export class UserPresenceState implements UserPresenceStateFields {
  readonly userId: string;
  readonly state: PresenceStateName;
  readonly lastActiveTs: number;
  readonly lastFederationUpdateTs: number;
  readonly lastUserSyncTs: number;
  readonly statusMsg: string | null;
  readonly currentlyActive: boolean;

  /** Prefer {@link userPresenceState}; this validates every field and freezes the instance. */
  constructor(fields: UserPresenceStateFields) {
    const problem = userIdProblem(fields.userId);
    if (problem !== undefined) {
      throw new InvalidIdentifierError('INVALID_USER_ID', String(fields.userId), problem);
    }
    if (!(PRESENCE_STATES as readonly string[]).includes(fields.state)) {
      throw new InvalidPresenceStateError(
        'state',
        `Invalid presence ${JSON.stringify(fields.state)} for ${fields.userId}: expected one of ${PRESENCE_STATES.join(', ')}`,
      );
    }
    for (const field of ['lastActiveTs', 'lastFederationUpdateTs', 'lastUserSyncTs'] as const) {
      const value = fields[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new InvalidPresenceStateError(
          field,
          `Invalid ${field} ${String(value)} for ${fields.userId}: expected milliseconds since the epoch (a number >= 0)`,
        );
      }
    }
    if (fields.statusMsg !== null && typeof fields.statusMsg !== 'string') {
      throw new InvalidPresenceStateError(
        'statusMsg',
        `Invalid statusMsg for ${fields.userId}: expected a string or null`,
      );
    }
    if (typeof fields.currentlyActive !== 'boolean') {
      throw new InvalidPresenceStateError(
        'currentlyActive',
        `Invalid currentlyActive for ${fields.userId}: expected a boolean`,
      );
    }
    this.userId = fields.userId;
    this.state = fields.state;
    this.lastActiveTs = fields.lastActiveTs;
    this.lastFederationUpdateTs = fields.lastFederationUpdateTs;
    this.lastUserSyncTs = fields.lastUserSyncTs;
    this.statusMsg = fields.statusMsg;
    this.currentlyActive = fields.currentlyActive;
    Object.freeze(this);
  }

  /** A copy with some fields changed. */
  with(changes: UserPresenceStateInit): UserPresenceState {
    return new UserPresenceState({ ...this.toFields(), ...changes });
  }

  /** Whether `other` has the same seven field values. */
  equals(other: UserPresenceStateFields): boolean {
    return (
      this === other ||
      (this.userId === other.userId &&
        this.state === other.state &&
        this.lastActiveTs === other.lastActiveTs &&
        this.lastFederationUpdateTs === other.lastFederationUpdateTs &&
        this.lastUserSyncTs === other.lastUserSyncTs &&
        this.statusMsg === other.statusMsg &&
        this.currentlyActive === other.currentlyActive)
    );
  }

  /** The seven fields as a plain object. */
  toFields(): UserPresenceStateFields {
    return {
      userId: this.userId,
      state: this.state,
      lastActiveTs: this.lastActiveTs,
      lastFederationUpdateTs: this.lastFederationUpdateTs,
      lastUserSyncTs: this.lastUserSyncTs,
      statusMsg: this.statusMsg,
      currentlyActive: this.currentlyActive,
    };
  }

  toJSON(): UserPresenceStateFields {
    return this.toFields();
  }
}

/**
 * Creates a presence state. Missing fields take Synapse's defaults for a user with no
 * known presence: offline, timestamps 0, no status message, not currently active.
 */
export function userPresenceState(
  userId: string,
  fields: UserPresenceStateInit = {},
): UserPresenceState {
  return new UserPresenceState({
    userId,
    state: fields.state ?? 'offline',
    lastActiveTs: fields.lastActiveTs ?? 0,
    lastFederationUpdateTs: fields.lastFederationUpdateTs ?? 0,
    lastUserSyncTs: fields.lastUserSyncTs ?? 0,
    statusMsg: fields.statusMsg ?? null,
    currentlyActive: fields.currentlyActive ?? false,
  });
}

/** A string equal for two states exactly when they are equal by value. */
export function presenceStateKey(state: UserPresenceState): string {
  let key = keyCache.get(state);
  if (key === undefined) {
    key = JSON.stringify([
      state.userId,
      state.state,
      state.lastActiveTs,
      state.lastFederationUpdateTs,
      state.lastUserSyncTs,
      state.statusMsg,
      state.currentlyActive,
    ]);
    keyCache.set(state, key);
  }
  return key;
}

/**
 * Whether `value` looks like a presence state (a {@link UserPresenceState} or a plain object
 * with the seven fields). Used to check what routing modules return.
 */
export function isUserPresenceStateLike(value: unknown): value is UserPresenceStateFields {
  if (value instanceof UserPresenceState) return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.userId === 'string' &&
    typeof v.state === 'string' &&
    typeof v.lastActiveTs === 'number' &&
    typeof v.lastFederationUpdateTs === 'number' &&
    typeof v.lastUserSyncTs === 'number' &&
    (v.statusMsg === null || typeof v.statusMsg === 'string') &&
    typeof v.currentlyActive === 'boolean'
  );
}

/** Turns a state-like value into a {@link UserPresenceState} (the same instance when it is one). */
export function toUserPresenceState(value: UserPresenceStateFields): UserPresenceState {
  return value instanceof UserPresenceState ? value : new UserPresenceState(value);
}
