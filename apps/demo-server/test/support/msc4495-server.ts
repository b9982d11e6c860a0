/**
 * Servers with MSC4495 enabled for the selective presence tests: a small world of inline
 * rooms with hints, and account data requests.
 *
 * Rooms: `!family` (alice, bob, @zed:remote.example; hint `suggest`), `!public` (alice,
 * carol, mallory; hint `forbid`), `!nohint` (alice, dave; no hint); erin shares no room.
 */
import { HS, type JsonReply, type MatrixTestClient } from './test-server.ts';

export const ALICE = `@alice:${HS}`;
export const BOB = `@bob:${HS}`;
export const CAROL = `@carol:${HS}`;
export const DAVE = `@dave:${HS}`;
export const ERIN = `@erin:${HS}`;
export const MALLORY = `@mallory:${HS}`;
export const ZED = '@zed:remote.example';

/** Each local user's token: `<localpart>-token-123`. */
export function tokenOf(userId: string): string {
  return `${userId.slice(1, userId.indexOf(':'))}-token-123`;
}

/** The YAML: MSC4495 on unless `enabled` is false; `extra` appended (a `redis:` block, modules). */
export function msc4495Yaml(options: { enabled?: boolean; extra?: string } = {}): string {
  const users = [ALICE, BOB, CAROL, DAVE, ERIN, MALLORY];
  return `server_name: ${HS}
access_tokens:
${users.map((user) => `  '${user}': ${tokenOf(user)}`).join('\n')}
admin_token: admin-token-123
experimental_features:
  msc4495_enabled: ${options.enabled ?? true}
membership:
  rooms:
    '!family:${HS}': ['${ALICE}', '${BOB}', '${ZED}']
    '!public:${HS}': ['${ALICE}', '${CAROL}', '${MALLORY}']
    '!nohint:${HS}': ['${ALICE}', '${DAVE}']
  presence_sharing:
    '!family:${HS}': suggest
    '!public:${HS}': forbid
${options.extra ?? ''}`;
}

/** The path of `userId`'s account data `type`. */
export function accountDataPath(userId: string, type: string): string {
  return `/_matrix/client/v3/user/${encodeURIComponent(userId)}/account_data/${encodeURIComponent(type)}`;
}

/** `PUT` of `userId`'s own account data `type`. */
export function putAccountData(
  client: MatrixTestClient,
  userId: string,
  type: string,
  content: unknown,
): Promise<JsonReply> {
  return client.request('PUT', accountDataPath(userId, type), content);
}

/** `GET` of `userId`'s account data `type`. */
export function getAccountData(
  client: MatrixTestClient,
  userId: string,
  type: string,
): Promise<JsonReply> {
  return client.request('GET', accountDataPath(userId, type));
}
