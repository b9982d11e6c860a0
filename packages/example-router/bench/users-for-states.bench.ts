/**
 * How long `ExamplePresenceRouter.getUsersForStates` (the Synapse-shape compatibility surface,
 * rooms expanded by the module itself) takes on a Matrix-HQ-sized room: 100,000 members, a
 * second room of 5,000 of them, 1,000 mapped users updating at once.
 *
 * Run from the repository root:
 *
 * ```sh
 * tsx --conditions=@presence-router/source packages/example-router/bench/users-for-states.bench.ts
 * ```
 *
 * @example
 * ```sh
 * MEMBERS=20000 ROUNDS=5 tsx --conditions=@presence-router/source packages/example-router/bench/users-for-states.bench.ts
 * ```
 * @module
 */
import { silentLogger, userPresenceState } from '@presence-router/core';
import { ExamplePresenceRouter } from '@presence-router/example-router';
import { InMemoryMembership } from '@presence-router/membership';

const HS = 'hs.example';
const MEMBERS = Number(process.env.MEMBERS ?? 100_000);
const SIDE_MEMBERS = Math.min(5_000, MEMBERS);
const UPDATERS = Math.min(1_000, MEMBERS);
const ROUNDS = Number(process.env.ROUNDS ?? 10);

const membership = new InMemoryMembership({ serverName: HS });
for (let i = 0; i < MEMBERS; i++) membership.join('!hq:hs.example', `@u${i}:hs.example`);
for (let i = 0; i < SIDE_MEMBERS; i++) membership.join('!side:hs.example', `@u${i}:hs.example`);

const usersToRooms: Record<string, string[]> = {};
for (let i = 0; i < UPDATERS; i++) {
  usersToRooms[`@u${i}:hs.example`] =
    i % 2 === 0 ? ['!hq:hs.example'] : ['!hq:hs.example', '!side:hs.example'];
}
const module = new ExamplePresenceRouter(
  ExamplePresenceRouter.parseConfig({
    always_send_to_users: ['@auditor:hs.example'],
    users_to_rooms: usersToRooms,
  }),
  {
    serverName: HS,
    membership,
    sendLocalOnlinePresenceTo: async () => {},
    registerPresenceRouterCallbacks: () => {},
  },
  { logger: silentLogger },
);
const batch = Array.from({ length: UPDATERS }, (_, i) =>
  userPresenceState(`@u${i}:hs.example`, { state: 'online' }),
);

const times: number[] = [];
let recipients = 0;
let distinctSets = 0;
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const result = await module.getUsersForStates(batch);
  times.push(performance.now() - started);
  recipients = result.size;
  distinctSets = new Set(result.values()).size;
}
times.sort((a, b) => a - b);
console.log(
  `getUsersForStates: ${MEMBERS} + ${SIDE_MEMBERS} members, ${UPDATERS} updates -> ${recipients} recipients sharing ${distinctSets} Sets`,
);
console.log(
  `  ${ROUNDS} rounds: median ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(1)} ms, min ${(times[0] ?? 0).toFixed(1)} ms (Node ${process.version})`,
);
