/**
 * The `Authorization: X-Matrix ...` header of server-server requests (specification v1.3+
 * form: `origin`, `destination`, `key`, `sig`). Building signs the canonical JSON of
 * `{method, uri, origin, destination, content?}` with the origin's key.
 *
 * Parsing accepts what the specification allows and Synapse accepts: the scheme (matched
 * case-insensitively, as RFC 9110 says) then one or more spaces; `name=value` pairs in any
 * order, separated by commas with any spaces or tabs around them (empty list elements are
 * skipped); case-insensitive names; quoted values with backslash escapes, or unquoted values
 * (which may contain `:`); unknown parameters ignored. It refuses, with
 * `INVALID_AUTHORIZATION`: another scheme, a missing `origin`, `key` or `sig`, an `origin`
 * that is not a server name, a parameter given twice (Synapse keeps the last), and anything
 * that is not a list of pairs. `destination` may be missing here; authentication decides.
 *
 * @example
 * ```ts
 * const header = await buildXMatrixAuthorization({
 *   method: 'PUT', uri: '/_matrix/federation/v1/send/1', origin: 'a.example',
 *   destination: 'b.example', content: body, signingKey: key,
 * });
 * parseXMatrixAuthorization(header); // { origin: 'a.example', destination: 'b.example', key: 'ed25519:1', sig: '...' }
 * ```
 * @module
 */
import { serverNameProblem } from '@presence-router/core';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { FederationError } from './errors.ts';
import { signJson } from './signed-json.ts';
import type { SigningKey } from './signing-key.ts';

/** The parameters of an X-Matrix header. */
export interface XMatrixAuthorization {
  readonly origin: string;
  /** Missing in requests of servers older than specification v1.3. */
  readonly destination: string | undefined;
  /** The key ID, e.g. `ed25519:a_AbCd`. */
  readonly key: string;
  /** Unpadded base64 signature. */
  readonly sig: string;
}

/** What is signed for a request. */
export interface RequestToSign {
  /** The HTTP method as sent (`PUT`). */
  readonly method: string;
  /** Path and query exactly as sent, starting with `/_matrix/`. */
  readonly uri: string;
  readonly origin: string;
  readonly destination: string;
  /** The parsed JSON body, for requests that have one. */
  readonly content?: JsonValue;
}

/** The JSON object whose signature authenticates a request (without signatures). */
export function requestSigningObject(request: RequestToSign): JsonObject {
  const object: Record<string, JsonValue> = {
    method: request.method,
    uri: request.uri,
    origin: request.origin,
    destination: request.destination,
  };
  if (request.content !== undefined) object.content = request.content;
  return object;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Formats the header value, quoting every value, lower-case names, no extra spaces. */
export function formatXMatrixAuthorization(auth: XMatrixAuthorization): string {
  const params = [`origin=${quote(auth.origin)}`];
  if (auth.destination !== undefined) params.push(`destination=${quote(auth.destination)}`);
  params.push(`key=${quote(auth.key)}`, `sig=${quote(auth.sig)}`);
  return `X-Matrix ${params.join(',')}`;
}

/** Signs `request` with `signingKey` and returns the `Authorization` header value. */
export async function buildXMatrixAuthorization(
  request: RequestToSign & { readonly signingKey: SigningKey },
): Promise<string> {
  const signed = await signJson(requestSigningObject(request), request.origin, request.signingKey);
  const sig = signed.signatures[request.origin]![request.signingKey.keyId]!;
  return formatXMatrixAuthorization({
    origin: request.origin,
    destination: request.destination,
    key: request.signingKey.keyId,
    sig,
  });
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

function malformed(header: string, reason: string): FederationError {
  const shown = header.length > 200 ? `${header.slice(0, 200)}...` : header;
  return new FederationError(
    'INVALID_AUTHORIZATION',
    `Malformed X-Matrix Authorization header (${reason}): ${JSON.stringify(shown)}`,
  );
}

/** Parses an X-Matrix header value; see the module documentation for what is accepted. */
export function parseXMatrixAuthorization(header: string): XMatrixAuthorization {
  const scheme = /^X-Matrix +/i.exec(header);
  if (scheme === null) throw malformed(header, 'it does not start with "X-Matrix "');
  const params = new Map<string, string>();
  let i = scheme[0].length;
  const n = header.length;
  const skipBlanks = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  while (i < n) {
    skipBlanks();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (i >= n) break;
    const nameStart = i;
    while (i < n && TOKEN_CHAR.test(header[i]!)) i++;
    if (i === nameStart) throw malformed(header, `expected a parameter name at offset ${i}`);
    const name = header.slice(nameStart, i).toLowerCase();
    if (header[i] !== '=') throw malformed(header, `expected "=" after ${name}`);
    i++;
    let value: string;
    if (header[i] === '"') {
      i++;
      value = '';
      for (;;) {
        if (i >= n) throw malformed(header, `the quoted value of ${name} is not closed`);
        const c = header[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          if (i + 1 >= n) throw malformed(header, `the quoted value of ${name} ends with "\\"`);
          value += header[i + 1];
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
    } else {
      const valueStart = i;
      while (
        i < n &&
        header[i] !== ',' &&
        header[i] !== ' ' &&
        header[i] !== '\t' &&
        header[i] !== '"'
      ) {
        i++;
      }
      value = header.slice(valueStart, i);
    }
    skipBlanks();
    if (i < n && header[i] !== ',') throw malformed(header, `unexpected text after ${name}`);
    if (params.has(name)) throw malformed(header, `${name} is given twice`);
    params.set(name, value);
  }
  const origin = params.get('origin');
  const key = params.get('key');
  const sig = params.get('sig');
  if (origin === undefined) throw malformed(header, 'origin is missing');
  if (key === undefined) throw malformed(header, 'key is missing');
  if (sig === undefined) throw malformed(header, 'sig is missing');
  const problem = serverNameProblem(origin);
  if (problem !== undefined) throw malformed(header, `origin is not a server name: ${problem}`);
  return { origin, destination: params.get('destination'), key, sig };
}
