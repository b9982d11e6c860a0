/**
 * `@presence-router/core`: pure presence routing for Matrix-style servers. No I/O and no
 * Node APIs: runs on Node, Deno and in browsers. Core owns every "who receives whom"
 * decision: the write side (`fanOut`, `getUsersForStates`), the read side (`usersSeenBy`,
 * `statesSeenBy`, `getInterestedUsers`), visibility (`canSee`) and explanations (`explain`),
 * all under the operator's `PresencePolicy` and the modules' `getDeniedRecipients`.
 *
 * @example
 * ```ts
 * import { PresenceRouter, userPresenceState, ALL_USERS } from '@presence-router/core';
 *
 * const router = new PresenceRouter({
 *   serverName: 'hs.example',
 *   membership, // a MembershipSource, e.g. from @presence-router/membership
 *   modules: [{
 *     getUsersForStates: (states) => ({ '@auditor:hs.example': states }),
 *     getInterestedUsers: (userId) => (userId === '@auditor:hs.example' ? ALL_USERS : []),
 *   }],
 * });
 * const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
 * for (const group of result.groups) console.log(group.userIds, group.states);
 * ```
 * @module
 */

// Errors.
export type {
  ConfigErrorCode,
  ConfigErrorDetails,
  ConfigPath,
  ConfigPosition,
} from './config-error.ts';
export { ConfigError, formatConfigPath } from './config-error.ts';
export type { CoreErrorCode } from './errors.ts';
export {
  InvalidIdentifierError,
  InvalidPolicyError,
  InvalidPresenceStateError,
  MembershipLookupError,
  ModuleRegistrationError,
  PresenceRouterError,
} from './errors.ts';

// Routing: the router, its results, the read side and explanations.
export type { Explanation, ModuleVerdict } from './explanation.ts';
export type {
  LocalGroups,
  RecipientGroup,
  RemoteDestination,
  UnroutedParts,
} from './fan-out-result.ts';
export { FanOutResult } from './fan-out-result.ts';
// Identifiers.
export type { UserIdOptions } from './identifiers.ts';
export {
  assertRoomId,
  assertServerName,
  assertUserId,
  isValidRoomId,
  isValidUserId,
  MAX_IDENTIFIER_BYTES,
  roomIdProblem,
  serverNameOf,
  serverNameProblem,
  userIdProblem,
} from './identifiers.ts';
// Logging.
export type { LogData, Logger } from './logger.ts';
export { consoleLogger, silentLogger } from './logger.ts';

// Membership sources.
export type {
  MembershipSource,
  SettledLookup,
  SettledMembershipSource,
} from './membership-source.ts';
export { isSettledMembershipSource } from './membership-source.ts';

// Routing modules and the host's side of them.
export { CallbackCollector } from './module-registration.ts';
// The operator's subtractive rules.
export type { PresencePolicy } from './presence-policy.ts';
export type {
  FanOutOptions,
  KnownFailing,
  PresenceRouterOptions,
  RetryParts,
  RoutedDestinations,
} from './presence-router.ts';
export { PresenceRouter } from './presence-router.ts';
export type { SeenStates, SeenUsers, Visibility } from './read-side.ts';
export type {
  AllUsers,
  DeniedRecipients,
  DestinationStates,
  GetDeniedRecipients,
  GetInterestedUsers,
  GetRoomsAndUsersForStates,
  GetUsersForStates,
  MaybePromise,
  ModuleApi,
  ModuleRegistrar,
  PresenceRouterCallbacks,
  PresenceRouterModule,
  PresenceRouterModuleClass,
  RecipientDenial,
} from './router-module.ts';
export { ALL_USERS } from './router-module.ts';
// Presence states.
export type {
  PresenceStateName,
  UserPresenceStateFields,
  UserPresenceStateInit,
} from './user-presence-state.ts';
export {
  PRESENCE_STATES,
  presenceStateKey,
  UserPresenceState,
  userPresenceState,
} from './user-presence-state.ts';
export { UserSet } from './user-set.ts';
