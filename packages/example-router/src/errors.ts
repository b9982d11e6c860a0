/**
 * Errors raised by `@presence-router/example-router` itself. Configuration problems are
 * reported with core's `ConfigError` (so `loadConfig` can add the full path and the YAML
 * line); everything else is an {@link ExampleRouterError}, a core `PresenceRouterError`.
 *
 * @example
 * ```ts
 * try {
 *   await router.getUsersForStates(states);
 * } catch (e) {
 *   if (e instanceof ExampleRouterError && e.code === 'MEMBERSHIP_UNAVAILABLE') console.warn(e.roomIds);
 * }
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** Codes of {@link ExampleRouterError}. */
export type ExampleRouterErrorCode =
  /** The constructor got something that is not a parsed `ExampleRouterConfig`. */
  | 'INVALID_CONFIG_OBJECT'
  /** The constructor got something that is not a `ModuleApi` (no `serverName`). */
  | 'INVALID_MODULE_API'
  /** The host's membership source failed while the router looked up rooms or members. */
  | 'MEMBERSHIP_UNAVAILABLE'
  /** A presence state given to the router is not a presence state. */
  | 'INVALID_PRESENCE_STATE';

/** An error of the example router, with a stable `code` and the data a caller needs. */
export class ExampleRouterError extends PresenceRouterError<ExampleRouterErrorCode> {
  override name = 'ExampleRouterError';
  /** The rooms being looked up when a `MEMBERSHIP_UNAVAILABLE` error happened (else empty). */
  readonly roomIds: readonly string[];
  /** The users being looked up when a `MEMBERSHIP_UNAVAILABLE` error happened (else empty). */
  readonly userIds: readonly string[];

  constructor(
    code: ExampleRouterErrorCode,
    message: string,
    details: { roomIds?: readonly string[]; userIds?: readonly string[]; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.roomIds = Object.freeze([...(details.roomIds ?? [])]);
    this.userIds = Object.freeze([...(details.userIds ?? [])]);
  }
}
