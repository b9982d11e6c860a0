/**
 * Errors raised by `@presence-router/example-router` itself. Configuration problems are
 * reported with `ConfigError` from `@presence-router/config` (so `loadConfig` can add the
 * full path and the YAML line); everything else is an {@link ExampleRouterError}.
 *
 * @example
 * ```ts
 * try {
 *   await router.getUsersForStates(states);
 * } catch (e) {
 *   if (e instanceof ExampleRouterError && e.code === 'MEMBERSHIP_FAILED') console.warn(e.roomIds);
 * }
 * ```
 * @module
 */

/** Codes of {@link ExampleRouterError}. */
export type ExampleRouterErrorCode =
  /** The constructor got something that is not a parsed `ExampleRouterConfig`. */
  | 'INVALID_CONFIG_OBJECT'
  /** The constructor got something that is not a `ModuleApi` (no `serverName`). */
  | 'INVALID_MODULE_API'
  /** The host's membership source failed while the router looked up rooms or members. */
  | 'MEMBERSHIP_FAILED'
  /** A presence state given to the router is not a presence state. */
  | 'INVALID_STATE';

/** An error of the example router, with a stable `code` and the data a caller needs. */
export class ExampleRouterError extends Error {
  override name = 'ExampleRouterError';
  readonly code: ExampleRouterErrorCode;
  /** The rooms being looked up when a `MEMBERSHIP_FAILED` error happened (else empty). */
  readonly roomIds: readonly string[];
  /** The users being looked up when a `MEMBERSHIP_FAILED` error happened (else empty). */
  readonly userIds: readonly string[];

  constructor(
    code: ExampleRouterErrorCode,
    message: string,
    details: { roomIds?: readonly string[]; userIds?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.roomIds = Object.freeze([...(details.roomIds ?? [])]);
    this.userIds = Object.freeze([...(details.userIds ?? [])]);
  }
}
