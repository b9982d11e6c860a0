/**
 * The README's example: `ExamplePresenceRouter` as a routing module of core's
 * `PresenceRouter`, configured in code. Run from the repository root:
 * `tsx --conditions=@presence-router/source packages/example-router/examples/quick-start.ts`.
 *
 * @example
 * ```sh
 * tsx --conditions=@presence-router/source packages/example-router/examples/quick-start.ts
 * ```
 * @module
 */
// README example: begin
import { PresenceRouter, userPresenceState } from '@presence-router/core';
import { ExamplePresenceRouter } from '@presence-router/example-router';
import { InMemoryMembership } from '@presence-router/membership';

const membership = new InMemoryMembership({ serverName: 'hs.example' });
membership.join('!team:hs.example', '@alice:hs.example');
membership.join('!team:hs.example', '@bob:hs.example');
membership.join('!support:hs.example', '@dave:hs.example');
membership.join('!support:hs.example', '@erin:hs.example');

// The raw `config:` mapping, as YAML would give it (the seed's list form).
const config = ExamplePresenceRouter.parseConfig({
  always_send_to_users: ['@auditor:hs.example'],
  users_to_rooms: [{ '@alice:hs.example': '!support:hs.example' }],
});
const exampleRouter = new ExamplePresenceRouter(config, {
  serverName: 'hs.example',
  membership,
  sendLocalOnlinePresenceTo: async () => {},
  registerPresenceRouterCallbacks: () => {},
});

const router = new PresenceRouter({
  serverName: 'hs.example',
  membership,
  modules: [exampleRouter],
});
const result = await router.fanOut([
  userPresenceState('@alice:hs.example', { state: 'online', statusMsg: 'hello' }),
]);
for (const [userId, states] of [...result.toMap()].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${userId} <- ${states.map((s) => `${s.userId} ${s.state}`).join(', ')}`);
}
// @alice:hs.example <- @alice:hs.example online    (the user itself)
// @auditor:hs.example <- @alice:hs.example online  (always_send_to_users)
// @bob:hs.example <- @alice:hs.example online      (shares !team: default routing)
// @dave:hs.example <- @alice:hs.example online     (member of !support: users_to_rooms)
// @erin:hs.example <- @alice:hs.example online     (member of !support: users_to_rooms)
console.log(await router.getInterestedUsers('@dave:hs.example'));
// Set(1) { '@alice:hs.example' }
// README example: end
