/**
 * Errors raised by `@presence-router/core`, and {@link PresenceRouterError}, the base class
 * of every error of every `@presence-router` package. Every error has a stable string `code`
 * (UPPER_SNAKE_CASE, named alike in every package: `INVALID_<WHAT>` for bad input,
 * `<WHAT>_FAILED` or `<WHAT>_UNAVAILABLE` for failures), a `name`, an optional `cause`, and
 * the data a caller needs to act on it. The configuration error a module's `parseConfig`
 * throws is {@link ConfigError}, in `config-error.ts`.
 *
 * @example
 * ```ts
 * try { userPresenceState('not-a-user'); }
 * catch (e) { if (e instanceof InvalidIdentifierError) console.log(e.code, e.identifier); }
 * ```
 * @module
 */

/** Codes of every error raised by core. */
export type CoreErrorCode =
  | 'INVALID_USER_ID'
  | 'INVALID_ROOM_ID'
  | 'INVALID_SERVER_NAME'
  | 'INVALID_PRESENCE_STATE'
  | 'INVALID_POLICY'
  | 'INVALID_MODULE'
  | 'CALLBACK_PAIR_REQUIRED'
  | 'MEMBERSHIP_UNAVAILABLE'
  | 'LOOKUP_SKIPPED';

/**
 * The base class of every `@presence-router` error: `instanceof PresenceRouterError` catches
 * them all, and `code` tells them apart (each package narrows `Code` to its own codes).
 */
export class PresenceRouterError<Code extends string = string> extends Error {
  override name = 'PresenceRouterError';
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** A user ID, room ID or server name that does not follow the Matrix grammar. */
export class InvalidIdentifierError extends PresenceRouterError<CoreErrorCode> {
  override name = 'InvalidIdentifierError';
  /** The rejected identifier. */
  readonly identifier: string;
  /** Why it was rejected. */
  readonly reason: string;

  constructor(
    code: 'INVALID_USER_ID' | 'INVALID_ROOM_ID' | 'INVALID_SERVER_NAME',
    identifier: string,
    reason: string,
  ) {
    const kind =
      code === 'INVALID_USER_ID'
        ? 'user ID'
        : code === 'INVALID_ROOM_ID'
          ? 'room ID'
          : 'server name';
    super(code, `Invalid ${kind} ${JSON.stringify(identifier)}: ${reason}`);
    this.identifier = identifier;
    this.reason = reason;
  }
}

/** A presence state with a field of the wrong type or value. */
export class InvalidPresenceStateError extends PresenceRouterError<CoreErrorCode> {
  override name = 'InvalidPresenceStateError';
  /** The offending field (`state`, `lastActiveTs`, ...). */
  readonly field: string;

  constructor(field: string, message: string) {
    super('INVALID_PRESENCE_STATE', message);
    this.field = field;
  }
}

/** A presence policy with a setting of the wrong type or value (`maxRoomSize: -1`, say). */
export class InvalidPolicyError extends PresenceRouterError<CoreErrorCode> {
  override name = 'InvalidPolicyError';
  /** The offending setting (`maxRoomSize`, `deny.users`, ...). */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('INVALID_POLICY', message);
    this.setting = setting;
  }
}

/**
 * A routing module of the wrong shape: it has no routing callback, or registers only one of
 * the `getUsersForStates` / `getInterestedUsers` pair (Synapse refuses that too).
 */
export class ModuleRegistrationError extends PresenceRouterError<CoreErrorCode> {
  override name = 'ModuleRegistrationError';
  /** The module's name, as it appears in logs and configuration. */
  readonly moduleName: string;

  constructor(
    code: 'INVALID_MODULE' | 'CALLBACK_PAIR_REQUIRED',
    moduleName: string,
    message: string,
  ) {
    super(code, message);
    this.moduleName = moduleName;
  }
}

/**
 * The membership source failed while the router expanded rooms (`MEMBERSHIP_UNAVAILABLE`),
 * or a lookup was not made because the caller marked the key as failing (`LOOKUP_SKIPPED`).
 */
export class MembershipLookupError extends PresenceRouterError<CoreErrorCode> {
  override name = 'MembershipLookupError';
  /** The rooms (or users) being looked up. */
  readonly ids: readonly string[];

  constructor(
    what: 'members' | 'rooms',
    ids: readonly string[],
    cause: unknown,
    code: 'MEMBERSHIP_UNAVAILABLE' | 'LOOKUP_SKIPPED' = 'MEMBERSHIP_UNAVAILABLE',
  ) {
    super(
      code,
      `The membership source failed to look up ${what === 'members' ? 'the members of' : 'the rooms of'} ${ids.length} ${what === 'members' ? 'room' : 'user'}${ids.length === 1 ? '' : 's'} (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.ids = ids;
  }
}
