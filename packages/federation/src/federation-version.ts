/**
 * The body of `GET /_matrix/federation/v1/version`: `{"server": {"name", "version"}}`.
 *
 * @example
 * ```ts
 * federationVersionBody({ name: 'presence-router', version: '0.2.0' });
 * // { server: { name: 'presence-router', version: '0.2.0' } }
 * ```
 * @module
 */

/** The implementation's name and version. */
export interface ServerImplementation {
  readonly name: string;
  readonly version: string;
}

/** The JSON answer of `GET /_matrix/federation/v1/version`. */
export function federationVersionBody(server: ServerImplementation): {
  readonly server: ServerImplementation;
} {
  return { server: { name: server.name, version: server.version } };
}
