/**
 * `@presence-router/core`: pure presence routing for Matrix-style servers. No I/O and no
 * Node APIs: runs on Node, Deno and in browsers.
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
export type { ConfigErrorCode, ConfigErrorDetails, ConfigPath } from './config-error.ts';
export { ConfigError, formatConfigPath } from './config-error.ts';
export type { CoreErrorCode } from './errors.ts';
export {
  InvalidIdentifierError,
  InvalidPresenceStateError,
  MembershipLookupError,
  ModuleRegistrationError,
  PresenceRouterError,
} from './errors.ts';
export type {
  FanOutParts,
  LocalGroups,
  RecipientGroup,
  RemoteDestination,
  UnroutedParts,
} from './fan-out-result.ts';
export { FanOutResult } from './fan-out-result.ts';
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
  utf8ByteLength,
} from './identifiers.ts';
export type { LogData, Logger } from './logger.ts';
export { consoleLogger, silentLogger } from './logger.ts';
export type { KnownFailing } from './membership-lookups.ts';
export type {
  MembershipSource,
  SettledLookup,
  SettledMembershipSource,
} from './membership-source.ts';
export { isSettledMembershipSource } from './membership-source.ts';
export { assertRoutingModule, CallbackCollector } from './module-registration.ts';
export { DestinationMerger, StateCanonicalizer } from './module-results.ts';
export type {
  FanOutOptions,
  PresenceRouterOptions,
  RetryParts,
  RoutedDestinations,
} from './presence-router.ts';
export { PresenceRouter } from './presence-router.ts';
export type { Grouping } from './recipient-grouping.ts';
export { RecipientGrouper, sourcesOfGroup } from './recipient-grouping.ts';
export type {
  AllUsers,
  DestinationStates,
  GetInterestedUsers,
  GetRoomsAndUsersForStates,
  GetUsersForStates,
  MaybePromise,
  ModuleApi,
  ModuleRegistrar,
  PresenceRouterCallbacks,
  PresenceRouterModule,
  PresenceRouterModuleClass,
} from './router-module.ts';
export { ALL_USERS } from './router-module.ts';
export { LOCAL_SERVER, UserInterner } from './user-interner.ts';
export type {
  PresenceStateName,
  UserPresenceStateFields,
  UserPresenceStateInit,
} from './user-presence-state.ts';
export {
  isUserPresenceStateLike,
  PRESENCE_STATES,
  presenceStateKey,
  toUserPresenceState,
  UserPresenceState,
  userPresenceState,
} from './user-presence-state.ts';
