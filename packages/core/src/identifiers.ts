/**
 * Matrix identifiers: user IDs, room IDs and server names, validated as the Matrix
 * specification and Synapse do.
 *
 * @example
 * ```ts
 * isValidUserId('@alice:example.org'); // true
 * serverNameOf('@alice:hs.example:8448'); // 'hs.example:8448'
 * ```
 * @module
 */
import { InvalidIdentifierError } from './errors.ts';

/** The longest user or room ID the specification allows, in UTF-8 bytes. */
export const MAX_IDENTIFIER_BYTES = 255;

const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const PORT = /^\d{1,5}$/;

/** Length of a string in UTF-8 bytes, without relying on `TextEncoder`. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Everything after the first `:` of an identifier, or `undefined` when it has none. */
export function serverNameOf(id: string): string | undefined {
  const colon = id.indexOf(':');
  return colon === -1 ? undefined : id.slice(colon + 1);
}

/** Why a server name is invalid, or `undefined` when it is valid (`host[:port]`). */
export function serverNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the server name is empty';
  let host = name;
  let port: string | undefined;
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    if (close === -1) return 'an IPv6 literal is missing its closing "]"';
    host = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return 'unexpected characters after the IPv6 literal';
      port = rest.slice(1);
    }
    if (!IPV6_LITERAL.test(host)) return 'the IPv6 literal is malformed';
  } else {
    const colon = name.lastIndexOf(':');
    if (colon !== -1) {
      host = name.slice(0, colon);
      port = name.slice(colon + 1);
    }
    if (!DNS_NAME.test(host) && !IPV4.test(host)) {
      return 'the host must be a DNS name, an IPv4 address or a bracketed IPv6 address';
    }
  }
  if (port !== undefined) {
    if (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535) {
      return `the port ${JSON.stringify(port)} is not a number from 1 to 65535`;
    }
  }
  return undefined;
}

/** Options of {@link userIdProblem} and {@link isValidUserId}. */
export interface UserIdOptions {
  /**
   * Only accept the current grammar (`[a-z0-9._=\-/+]+` localparts). By default, historical
   * localparts (any character but `:` and NUL) are accepted, as servers must.
   */
  readonly strict?: boolean;
}

/** Why a user ID is invalid, or `undefined` when it is valid. */
export function userIdProblem(id: string, options: UserIdOptions = {}): string | undefined {
  if (typeof id !== 'string') return 'a user ID must be a string';
  if (!id.startsWith('@')) return 'a user ID starts with "@"';
  const colon = id.indexOf(':');
  if (colon === -1) return 'a user ID has the form @localpart:server_name';
  const localpart = id.slice(1, colon);
  if (localpart.length === 0) return 'the localpart is empty';
  if (options.strict === true) {
    if (!STRICT_LOCALPART.test(localpart)) {
      return 'the localpart may only contain a-z, 0-9, ".", "_", "=", "-", "/" and "+"';
    }
  } else if (localpart.includes('\u0000')) {
    return 'the localpart contains NUL';
  }
  if (utf8ByteLength(id) > MAX_IDENTIFIER_BYTES) {
    return `a user ID is at most ${MAX_IDENTIFIER_BYTES} bytes long`;
  }
  return serverNameProblem(id.slice(colon + 1));
}

/** Whether `id` is a valid Matrix user ID (`@localpart:server_name`). */
export function isValidUserId(id: unknown, options?: UserIdOptions): id is string {
  return typeof id === 'string' && userIdProblem(id, options) === undefined;
}

/**
 * Why a room ID is invalid, or `undefined` when it is valid. Room IDs are opaque beyond the
 * `!` sigil: room version 12 IDs have no `:server_name` part.
 */
export function roomIdProblem(id: string): string | undefined {
  if (typeof id !== 'string') return 'a room ID must be a string';
  if (!id.startsWith('!')) return 'a room ID starts with "!"';
  if (id.length < 2) return 'a room ID has an opaque part after "!"';
  if (id.includes('\u0000')) return 'a room ID cannot contain NUL';
  if (utf8ByteLength(id) > MAX_IDENTIFIER_BYTES) {
    return `a room ID is at most ${MAX_IDENTIFIER_BYTES} bytes long`;
  }
  return undefined;
}

/** Whether `id` is a valid Matrix room ID. */
export function isValidRoomId(id: unknown): id is string {
  return typeof id === 'string' && roomIdProblem(id) === undefined;
}

/** Returns `id` when it is a valid user ID; throws {@link InvalidIdentifierError} otherwise. */
export function assertUserId(id: string, options?: UserIdOptions): string {
  const problem = userIdProblem(id, options);
  if (problem !== undefined)
    throw new InvalidIdentifierError('INVALID_USER_ID', String(id), problem);
  return id;
}

/** Returns `id` when it is a valid room ID; throws {@link InvalidIdentifierError} otherwise. */
export function assertRoomId(id: string): string {
  const problem = roomIdProblem(id);
  if (problem !== undefined)
    throw new InvalidIdentifierError('INVALID_ROOM_ID', String(id), problem);
  return id;
}

/** Returns `name` when it is a valid server name; throws {@link InvalidIdentifierError} otherwise. */
export function assertServerName(name: string): string {
  const problem = typeof name === 'string' ? serverNameProblem(name) : 'must be a string';
  if (problem !== undefined) {
    throw new InvalidIdentifierError('INVALID_SERVER_NAME', String(name), problem);
  }
  return name;
}
