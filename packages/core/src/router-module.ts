/**
 * The shapes of presence routing modules and the `ModuleApi` they are constructed with.
 *
 * Two shapes are supported, alone or together:
 * - the seed's `getRoomsAndUsersForStates(states)` returning `[roomIdsToStates, userIdsToStates]`,
 *   where a room destination means every joined member of the room;
 * - Synapse's pair `getUsersForStates(states)` (write side) and `getInterestedUsers(userId)`
 *   (read side: whose presence this user receives), registered together or not at all.
 *
 * Callbacks may be sync or async and may return `Map`s or plain objects of arrays or sets.
 * Any module may also give `getDeniedRecipients(states)`: who must NOT receive them (users,
 * rooms, servers), applied after every module's additions — a module without it adds only,
 * as in Synapse.
 *
 * @example
 * ```ts
 * const everythingToAuditor: PresenceRouterModule = {
 *   getUsersForStates: (states) => new Map([['@auditor:hs', new Set(states)]]),
 *   getInterestedUsers: (userId) => (userId === '@auditor:hs' ? ALL_USERS : new Set()),
 * };
 * ```
 * @module
 */
import type { MembershipSource } from './membership-source.ts';
import type { UserPresenceState, UserPresenceStateFields } from './user-presence-state.ts';

/**
 * Returned by `getInterestedUsers` to mean "this user receives everyone's presence". Modules
 * may also return the string `"ALL"` (Synapse's value).
 */
export const ALL_USERS: unique symbol = Symbol.for('@presence-router/core.ALL_USERS');

/** The type of {@link ALL_USERS}. */
export type AllUsers = typeof ALL_USERS;

/** A value or a promise of it. */
export type MaybePromise<T> = T | PromiseLike<T>;

/** What a module returns per destination: a `Map` or a plain object of arrays or sets. */
export type DestinationStates =
  | ReadonlyMap<string, Iterable<UserPresenceStateFields>>
  | Readonly<Record<string, Iterable<UserPresenceStateFields>>>;

/** Synapse's write-side callback: destination user ID -> states to send to that user. */
export type GetUsersForStates = (
  states: readonly UserPresenceState[],
) => MaybePromise<DestinationStates>;

/** Synapse's read-side callback: the users whose presence `userId` receives, or everyone. */
export type GetInterestedUsers = (
  userId: string,
) => MaybePromise<Iterable<string> | AllUsers | 'ALL'>;

/** The seed's callback: `[roomIdsToStates, userIdsToStates]`. */
export type GetRoomsAndUsersForStates = (
  states: readonly UserPresenceState[],
) => MaybePromise<readonly [DestinationStates, DestinationStates]>;

/**
 * Recipients that must not receive a state: users, every joined member of rooms, every user of
 * servers (`host[:port]`). Each list is optional.
 */
export interface RecipientDenial {
  readonly users?: Iterable<string> | undefined;
  readonly rooms?: Iterable<string> | undefined;
  readonly servers?: Iterable<string> | undefined;
}

/**
 * What `getDeniedRecipients` returns: sender user ID -> the recipients that must not receive
 * that sender's state, and `"*"` -> the recipients that must receive none of the states given.
 * A `Map` or a plain object.
 */
export type DeniedRecipients =
  | ReadonlyMap<string, RecipientDenial>
  | Readonly<Record<string, RecipientDenial>>;

/**
 * The subtractive callback: who must NOT receive these states. Applied after every module's
 * additions (and default routing); a denial wins over every addition, in any module order. A
 * callback that throws or returns the wrong shape withholds the states it was given from
 * everyone but their senders (it fails closed); invalid IDs inside it are dropped with a warning.
 */
export type GetDeniedRecipients = (
  states: readonly UserPresenceState[],
) => MaybePromise<DeniedRecipients>;

/**
 * Synapse's callback pair, as given to `registerPresenceRouterCallbacks`, and the optional
 * subtractive `getDeniedRecipients` (alone, or beside the pair).
 */
export interface PresenceRouterCallbacks {
  readonly getUsersForStates?: GetUsersForStates | undefined;
  readonly getInterestedUsers?: GetInterestedUsers | undefined;
  readonly getDeniedRecipients?: GetDeniedRecipients | undefined;
}

/**
 * A routing module: any object with the seed's callback, Synapse's pair, or both. When a
 * module has both shapes, the seed's callback serves the write side (its room destinations
 * are expanded in groups) and `getInterestedUsers` the read side.
 */
export interface PresenceRouterModule extends PresenceRouterCallbacks {
  readonly getRoomsAndUsersForStates?: GetRoomsAndUsersForStates | undefined;
  /** A name for logs; defaults to the class name or the module's position. */
  readonly moduleName?: string | undefined;
  /**
   * Optional: the configured rules of this module that send `from`'s presence (in `state`)
   * to `to` — one sentence each, for `PresenceRouter.explain` (and `presence-router explain`).
   */
  readonly explain?:
    | ((from: string, to: string, state: UserPresenceState) => MaybePromise<readonly string[]>)
    | undefined;
}

/** What a module's constructor receives from the homeserver. */
export interface ModuleApi {
  /** This homeserver's name; users whose IDs end in it are local. */
  readonly serverName: string;
  /**
   * Makes each listed local user's next sync a full snapshot of the current non-offline
   * presence they are interested in (once); sends that snapshot to remote users' servers.
   */
  sendLocalOnlinePresenceTo(users: Iterable<string>): Promise<void>;
  /** Registers Synapse's callback pair; both or neither (a `ModuleRegistrationError` otherwise). */
  registerPresenceRouterCallbacks(callbacks: PresenceRouterCallbacks): void;
  /** Room membership as the homeserver sees it, when the host provides it. */
  readonly membership?: MembershipSource | undefined;
}

/**
 * A routing module class, as named by `module:` in the configuration: an optional static
 * `parseConfig` that validates the raw `config:` mapping, and a constructor taking the parsed
 * configuration and a {@link ModuleApi}.
 */
export interface PresenceRouterModuleClass<Config = unknown> {
  parseConfig?(rawConfig: unknown): Config;
  new (config: Config, api: ModuleApi): object;
}

/**
 * Where a package registers its routing module classes under `module:` names, so a
 * configuration can name them without an `import()` (`@presence-router/config`'s
 * `ModuleRegistry` is one). Declared here so a module package depends on core alone.
 */
export interface ModuleRegistrar {
  // biome-ignore lint/suspicious/noExplicitAny: a registrar holds classes of any config type.
  register(name: string, moduleClass: PresenceRouterModuleClass<any>): unknown;
}
