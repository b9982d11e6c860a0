/**
 * The path prefix of the client-server API routes: `/_matrix/client/v3` and the older `r0`.
 * @module
 */

/** Hono's pattern for `/_matrix/client/v3` and `/_matrix/client/r0`. */
export const CLIENT = '/_matrix/client/:version{v3|r0}';
