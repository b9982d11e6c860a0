/**
 * Routes a batch of presence updates through `ExamplePresenceRouter`, configured from the
 * seed's YAML, and prints who receives whose presence and why.
 *
 * Run from the repository root:
 *
 * ```sh
 * tsx --conditions=@presence-router/source packages/example-router/examples/route-presence.ts
 * ```
 *
 * Reasons printed per delivery:
 * - `self`: a user always receives its own presence;
 * - `room member (!room)`: default routing, the recipient shares that room with the user;
 * - `routed user`: the recipient is in `always_send_to_users`;
 * - `routed room (!room)`: the recipient is a member of a room `users_to_rooms` maps the user to.
 *
 * @example
 * ```ts
 * import { main } from './route-presence.ts';
 * const lines: string[] = [];
 * await main((line) => lines.push(line));
 * ```
 * @module
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, ModuleRegistry } from '@presence-router/config';
import {
  ALL_USERS,
  type LogData,
  type Logger,
  type MembershipSource,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';
import { type ExampleRouterConfig, registerExampleRouter } from '@presence-router/example-router';
import { InMemoryMembership } from '@presence-router/membership';

/** The homeserver of the example. */
export const SERVER_NAME = 'hs.example';

/** The seed's YAML form: `users_to_rooms` as a list of single-key mappings. */
export const EXAMPLE_YAML = `server_name: ${SERVER_NAME}
presence:
  routing_modules:
    - module: my_module.ExamplePresenceRouter
      config:
        always_send_to_users: ["@presence_gobbler:hs.example"]
        users_to_rooms:
          - "@alice:hs.example":
            - "!support:hs.example"
            - "!partners:remote.example"
          - "@bob:hs.example": "!support:hs.example"
`;

/** Room -> joined members of the example. */
export const EXAMPLE_ROOMS: Readonly<Record<string, readonly string[]>> = {
  '!team:hs.example': [
    '@alice:hs.example',
    '@bob:hs.example',
    '@carol:hs.example',
    '@rita:remote.example',
  ],
  '!support:hs.example': ['@dave:hs.example', '@erin:hs.example', '@sam:partner.example'],
  '!random:hs.example': ['@carol:hs.example', '@frank:hs.example'],
  // No local user is joined: this server does not participate, so the room is dropped.
  '!partners:remote.example': ['@pat:remote.example'],
};

/** The batch of presence updates the example routes. */
export function exampleBatch(): UserPresenceState[] {
  return [
    userPresenceState('@alice:hs.example', {
      state: 'online',
      statusMsg: 'writing docs',
      currentlyActive: true,
      lastActiveTs: 1_700_000_000_000,
    }),
    userPresenceState('@bob:hs.example', { state: 'unavailable', lastActiveTs: 1_699_999_000_000 }),
    userPresenceState('@carol:hs.example', { state: 'online', currentlyActive: true }),
  ];
}

/** Keeps warnings so they are printed with the rest of the output. */
class CollectingLogger implements Logger {
  readonly warnings: string[] = [];
  debug(): void {}
  info(): void {}
  warn(message: string, _data?: LogData): void {
    this.warnings.push(message);
  }
  error(message: string, _data?: LogData): void {
    this.warnings.push(`error: ${message}`);
  }
}

function describeState(state: UserPresenceState): string {
  return `${state.userId} (${state.state}${state.statusMsg ? `, "${state.statusMsg}"` : ''})`;
}

/** Why `recipient` receives `state`, from the membership and the module's configuration. */
async function reasonsFor(
  recipient: string,
  state: UserPresenceState,
  membership: MembershipSource,
  config: ExampleRouterConfig,
): Promise<string[]> {
  const reasons: string[] = [];
  if (recipient === state.userId) reasons.push('self');
  const rooms = await membership.getRoomsForUsers([state.userId, recipient]);
  const recipientRooms = new Set(rooms.get(recipient) ?? []);
  for (const roomId of rooms.get(state.userId) ?? []) {
    if (recipient !== state.userId && recipientRooms.has(roomId))
      reasons.push(`room member (${roomId})`);
  }
  if (config.alwaysSendToUsers.includes(recipient)) reasons.push('routed user');
  for (const roomId of config.usersToRooms.get(state.userId) ?? []) {
    if (recipientRooms.has(roomId)) reasons.push(`routed room (${roomId})`);
  }
  return reasons;
}

/**
 * Loads the seed's YAML, builds the rooms, fans the batch out through core's `PresenceRouter`
 * with `ExamplePresenceRouter` as its routing module, and writes the destinations line by line.
 */
export async function main(write: (line: string) => void = console.log): Promise<void> {
  const registry = registerExampleRouter(new ModuleRegistry());
  const loaded = await loadConfig(EXAMPLE_YAML, { registry, sourceName: 'example.yaml' });
  const moduleEntry = loaded.routingModules[0];
  if (moduleEntry === undefined) throw new Error('the example configuration has no routing module');
  const config = moduleEntry.config as ExampleRouterConfig;

  const membership = new InMemoryMembership({ serverName: SERVER_NAME });
  for (const [roomId, members] of Object.entries(EXAMPLE_ROOMS)) {
    for (const userId of members) membership.join(roomId, userId);
  }
  const logger = new CollectingLogger();
  const { router } = loaded.createPresenceRouter({ membership, logger });

  write(`ExamplePresenceRouter on ${SERVER_NAME} (module ${moduleEntry.module})`);
  write(`  always_send_to_users: ${config.alwaysSendToUsers.join(', ') || '(none)'}`);
  for (const [userId, roomIds] of config.usersToRooms) {
    write(`  users_to_rooms: ${userId} -> ${roomIds.join(', ')}`);
  }
  write('Rooms:');
  for (const [roomId, members] of Object.entries(EXAMPLE_ROOMS)) {
    write(`  ${roomId}: ${members.join(', ')}`);
  }
  const batch = exampleBatch();
  write('Presence updates:');
  for (const state of batch) write(`  ${describeState(state)}`);

  const result = await router.fanOut(batch);
  const local = [...result.toMap()].sort(([a], [b]) => a.localeCompare(b));
  write(`Local recipients (${local.length}):`);
  for (const [recipient, states] of local) {
    write(`  ${recipient} receives:`);
    for (const state of states) {
      const reasons = await reasonsFor(recipient, state, membership, config);
      write(`    ${describeState(state)} <- ${reasons.join(', ') || 'unexplained'}`);
    }
  }
  const remote = [...result.remote.values()].sort((a, b) =>
    a.serverName.localeCompare(b.serverName),
  );
  write(`Remote servers (${remote.length}), over federation:`);
  for (const destination of remote) {
    write(`  ${destination.serverName} for ${destination.userIds.join(', ')}:`);
    for (const state of destination.states) {
      const why: string[] = [];
      for (const userId of destination.userIds) {
        const reasons = await reasonsFor(userId, state, membership, config);
        if (reasons.length > 0) why.push(`${userId}: ${reasons.join(', ')}`);
      }
      write(`    ${describeState(state)} <- ${why.join('; ') || 'unexplained'}`);
    }
  }
  write('Warnings:');
  for (const warning of logger.warnings) write(`  ${warning}`);
  if (logger.warnings.length === 0) write('  (none)');

  write('Read side (getInterestedUsers):');
  for (const userId of ['@presence_gobbler:hs.example', '@dave:hs.example', '@frank:hs.example']) {
    const interested = await router.getInterestedUsers(userId);
    const answer =
      interested === ALL_USERS
        ? 'everyone (ALL_USERS)'
        : [...interested].sort().join(', ') || 'nobody beyond shared rooms';
    write(`  ${userId} also receives: ${answer}`);
  }
}

const invokedAs = process.argv[1];
if (invokedAs !== undefined && fileURLToPath(import.meta.url) === invokedAs) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
