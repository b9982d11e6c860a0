/**
 * Who is who in a load run: `listeners` users spread over `rooms` rooms, `senders` users
 * spread over the same rooms, and an auditor who receives everyone through the example
 * router; their access tokens; who should see whom; and the server configuration.
 *
 * @example
 * ```ts
 * const yaml = loadConfigYaml({ listeners: 500, rooms: 10, senders: 100 });
 * listenerUsers({ listeners: 500, rooms: 10 })[0]; // { userId: '@auditor:load.local', token: ..., room: -1 }
 * ```
 * @module
 */

/** The shape of a run. */
export interface ScenarioShape {
  readonly listeners: number;
  readonly rooms: number;
  readonly senders: number;
  /** YAML appended to the generated configuration. */
  readonly extraYaml?: string | undefined;
}

export const HS = 'load.local';
export const AUDITOR = `@auditor:${HS}`;
export const AUDITOR_TOKEN = 'token-auditor';
const listenerId = (i: number): string => `@l${i}:${HS}`;
const roomId = (k: number): string => `!room${k}:${HS}`;

/** Sender `j`: its user ID and token. */
export const senderId = (j: number): string => `@s${j}:${HS}`;
export const senderToken = (j: number): string => `token-s${j}`;

/** Sender `j`'s room. */
export const roomOfSender = (j: number, rooms: number): number => j % rooms;

/** A listening user; `room` -1 for the auditor (who sees every sender). */
export interface ListenerUser {
  readonly userId: string;
  readonly token: string;
  readonly room: number;
}

/** The auditor, then every listener. */
export function listenerUsers(shape: Pick<ScenarioShape, 'listeners' | 'rooms'>): ListenerUser[] {
  return [
    { userId: AUDITOR, token: AUDITOR_TOKEN, room: -1 },
    ...Array.from({ length: shape.listeners }, (_, i) => ({
      userId: listenerId(i),
      token: `token-l${i}`,
      room: i % shape.rooms,
    })),
  ];
}

/** Whether `listener` should see sender `j`'s presence. */
export function sees(listener: ListenerUser, j: number, rooms: number): boolean {
  return listener.room === -1 || listener.room === roomOfSender(j, rooms);
}

/** The generated configuration: inline rooms, tokens, the example router, no rate limit. */
export function loadConfigYaml(shape: ScenarioShape): string {
  const tokens = listenerUsers(shape).map((user) => `  '${user.userId}': ${user.token}`);
  const rooms: string[][] = Array.from({ length: shape.rooms }, () => []);
  for (let i = 0; i < shape.listeners; i++) rooms[i % shape.rooms]?.push(`'${listenerId(i)}'`);
  for (let j = 0; j < shape.senders; j++) {
    tokens.push(`  '${senderId(j)}': ${senderToken(j)}`);
    rooms[roomOfSender(j, shape.rooms)]?.push(`'${senderId(j)}'`);
  }
  return `server_name: ${HS}
listeners: [{ port: 0, bind_addresses: ['127.0.0.1'] }]
access_tokens:
${tokens.join('\n')}
admin_token: token-admin-load
log_level: warn
max_sync_timeout: 5m
rc_presence:
  per_user: { per_second: 100000, burst_count: 100000 }
membership:
  rooms:
${rooms.map((members, k) => `    '${roomId(k)}': [${members.join(', ')}]`).join('\n')}
presence:
  sync_online_timeout: 10m
  idle_timeout: 10m
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['${AUDITOR}']
${shape.extraYaml ?? ''}`;
}
