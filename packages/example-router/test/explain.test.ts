import { PresenceRouter, userPresenceState } from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter } from '../src/index.ts';
import { FakeModuleApi } from './support/fake-module-api.ts';

const HS = 'hs.example';
const alice = `@alice:${HS}`;
const dave = `@dave:${HS}`;
const erin = `@erin:${HS}`;
const auditor = `@auditor:${HS}`;

function setup() {
  const membership = new InMemoryMembership({ serverName: HS });
  membership.joinAll(`!lobby:${HS}`, [dave, erin]);
  membership.joinAll(`!ops:${HS}`, [erin]);
  const module = new ExamplePresenceRouter(
    ExamplePresenceRouter.parseConfig({
      always_send_to_users: [auditor],
      users_to_rooms: { [alice]: [`!lobby:${HS}`, `!ops:${HS}`] },
    }),
    new FakeModuleApi(HS, membership),
    { logger: new RecordingLogger() },
  );
  return { membership, module };
}

describe('ExamplePresenceRouter.explain', () => {
  const online = userPresenceState(alice, { state: 'online' });

  it.each([
    ['the auditor', auditor, [`always_send_to_users lists ${auditor}`]],
    [
      'a member of one mapped room',
      dave,
      [`users_to_rooms sends ${alice} to !lobby:${HS}, where ${dave} is joined`],
    ],
    [
      'a member of both mapped rooms',
      erin,
      [
        `users_to_rooms sends ${alice} to !lobby:${HS}, where ${erin} is joined`,
        `users_to_rooms sends ${alice} to !ops:${HS}, where ${erin} is joined`,
      ],
    ],
    ['someone no rule reaches', `@zed:${HS}`, []],
  ])('%s', async (_who, to, rules) => {
    expect(await setup().module.explain(alice, to, online)).toEqual(rules);
  });

  it('is what core’s explain reports for the module', async () => {
    const { membership, module } = setup();
    const router = new PresenceRouter({ serverName: HS, membership, modules: [module] });
    const why = await router.explain(alice, dave, online);
    expect(why.receives).toBe(true);
    expect(why.modules).toEqual([
      {
        module: 'ExamplePresenceRouter (routing_modules[0])',
        routesUpdates: true,
        // dave is in a room alice is mapped to: the read side says so too.
        interested: true,
        rules: [`users_to_rooms sends ${alice} to !lobby:${HS}, where ${dave} is joined`],
        denies: [],
      },
    ]);
  });
});
