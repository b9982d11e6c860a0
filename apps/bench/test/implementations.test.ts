import { PresenceRouter, silentLogger, userPresenceState } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { compareFanOut, compareRouting } from '../src/agreement.ts';
import { engineDeliver, engineRouteAndRead } from '../src/engine-fan-out.ts';
import { createExampleRouter } from '../src/example-router-module.ts';
import { FloorFanOut } from '../src/floor-fan-out.ts';
import { naiveFanOut, naiveRouteStates } from '../src/naive-fan-out.ts';
import type { RouterPlan } from '../src/router-config.ts';
import { workloadFromRooms } from '../src/workload.ts';
import { WorkloadMembership } from '../src/workload-membership.ts';

/**
 * Seven users; u6 is remote. Rooms: r0 = {u0, u1, u2}, r1 = {u2, u3}, r2 = {u4, u6},
 * r3 = {u5}, r4 = {u6} (no local member: the server does not participate).
 * Router: always_send_to_users = [u5]; users_to_rooms: u0 -> [r1], u4 -> [r4].
 */
function handMade() {
  const workload = workloadFromRooms(7, [[0, 1, 2], [2, 3], [4, 6], [5], [6]], { remote: [6] });
  const id = (u: number) => workload.userIds[u] as string;
  const plan: RouterPlan = {
    config: {
      always_send_to_users: [id(5)],
      users_to_rooms: { [id(0)]: [workload.roomIdOf(1)], [id(4)]: [workload.roomIdOf(4)] },
    },
    alwaysSend: Int32Array.of(5),
    routedOffsets: Int32Array.of(0, 1, 1, 1, 1, 2, 2, 2),
    routedRooms: Int32Array.of(1, 4),
  };
  const membership = new WorkloadMembership(workload);
  const module = createExampleRouter(plan, membership, 'bench.test');
  const s0 = userPresenceState(id(0), { state: 'online' });
  const s4 = userPresenceState(id(4), { state: 'unavailable', statusMsg: 'away' });
  return { workload, plan, membership, module, id, s0, s4 };
}

function routerOf({ membership, module }: ReturnType<typeof handMade>): PresenceRouter {
  return new PresenceRouter({
    serverName: 'bench.test',
    membership,
    modules: [module],
    logger: silentLogger,
  });
}

function asKeys(map: ReadonlyMap<string, ReadonlySet<unknown>>): Record<string, unknown[]> {
  return Object.fromEntries([...map].map(([k, v]) => [k, [...v]]).sort());
}

describe('the workload membership source', () => {
  it('answers members and rooms, leaves out non-participating rooms, and reuses arrays', async () => {
    const { membership, workload, id } = handMade();
    const rooms = ['!r0:bench.test', '!r4:bench.test', '!nope:bench.test'];
    const first = await membership.getJoinedMembers(rooms);
    expect([...first.keys()]).toEqual(['!r0:bench.test']);
    expect(first.get('!r0:bench.test')).toEqual([id(0), id(1), id(2)]);
    const second = await membership.getJoinedMembers(['!r0:bench.test']);
    expect(second.get('!r0:bench.test')).toBe(first.get('!r0:bench.test'));
    const ofUsers = await membership.getRoomsForUsers([id(6), id(2), '@stranger:bench.test']);
    expect(ofUsers.get(id(6))).toEqual([workload.roomIdOf(2)]);
    expect(ofUsers.get(id(2))).toEqual([workload.roomIdOf(0), workload.roomIdOf(1)]);
    expect(ofUsers.has('@stranger:bench.test')).toBe(false);
  });
});

describe('the naive baseline on a hand-made case', () => {
  it.each<{ what: string; run: typeof naiveFanOut; expected: Record<number, ('s0' | 's4')[]> }>([
    {
      what: 'delivers each state to the user, its rooms and the router destinations',
      run: naiveFanOut,
      expected: {
        0: ['s0'],
        1: ['s0'],
        2: ['s0'],
        3: ['s0'],
        4: ['s4'],
        5: ['s0', 's4'],
        6: ['s4'],
      },
    },
    {
      what: 'routes only the module destinations, dropping rooms the server is not in',
      run: naiveRouteStates,
      expected: { 2: ['s0'], 3: ['s0'], 5: ['s0', 's4'] },
    },
  ])('$what', async ({ run, expected }) => {
    const { membership, module, id, s0, s4 } = handMade();
    const states = { s0, s4 };
    const deliveries = await run([s0, s4], membership, module);
    expect(asKeys(deliveries)).toEqual(
      asKeys(
        new Map(
          Object.entries(expected).map(([u, names]) => [
            id(Number(u)),
            new Set(names.map((name) => states[name])),
          ]),
        ),
      ),
    );
  });
});

describe('the floor on a hand-made case', () => {
  it('names every recipient once, over integers', () => {
    const { workload, plan } = handMade();
    const floor = new FloorFanOut(workload, plan);
    expect(floor.fanOut(Int32Array.of(0, 4))).toBe(7);
    expect([...floor.recipients].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(floor.route(Int32Array.of(0, 4))).toBe(3);
    expect([...floor.recipients].sort()).toEqual([2, 3, 5]);
    // Reusable: a second run starts afresh.
    expect(floor.fanOut(Int32Array.of(1))).toBe(4);
    expect([...floor.recipients].sort()).toEqual([0, 1, 2, 5]);
  });
});

describe('agreement between the engine, the naive baseline and the floor', () => {
  it('agrees on the hand-made case, fan-out and routing', async () => {
    const made = handMade();
    const { workload, plan, membership, module, s0, s4 } = made;
    const router = routerOf(made);
    const engine = await engineDeliver(router, [s0, s4], { readStates: true });
    expect(engine.recipients).toBe(7);
    expect(engine.deliveries).toBe(7); // u0..u4 one state each, u5 two; u6 is remote
    const naive = await naiveFanOut([s0, s4], membership, module);
    const floor = new FloorFanOut(workload, plan);
    floor.fanOut(Int32Array.of(0, 4));
    const names = [...floor.recipients].map((u) => workload.userIds[u] as string);
    const check = compareFanOut(engine.result, naive, names);
    expect(check).toMatchObject({ agree: true, recipients: 7, problems: [] });

    const flat = await engineDeliver(router, [s0, s4], { view: 'flat', readStates: true });
    expect(flat).toMatchObject({ recipients: 7, deliveries: 7 });

    const routed = await engineRouteAndRead(router, [s0, s4]);
    floor.route(Int32Array.of(0, 4));
    const routeNames = [...floor.recipients].map((u) => workload.userIds[u] as string);
    expect(
      compareRouting(
        routed.destinations,
        await naiveRouteStates([s0, s4], membership, module),
        routeNames,
      ),
    ).toMatchObject({ agree: true, recipients: 3 });
  });

  it('reports a missing recipient and a wrong state', async () => {
    const made = handMade();
    const { workload, plan, membership, module, id, s0, s4 } = made;
    const router = routerOf(made);
    const engine = await engineDeliver(router, [s0, s4]);
    const naive = await naiveFanOut([s0, s4], membership, module);
    naive.get(id(1))?.add(s4); // u1 should not receive u4's state
    const floor = new FloorFanOut(workload, plan);
    floor.fanOut(Int32Array.of(0, 4));
    const names = [...floor.recipients].map((u) => workload.userIds[u] as string).slice(1);
    const check = compareFanOut(engine.result, naive, names);
    expect(check.agree).toBe(false);
    expect(check.problems.join('\n')).toContain(id(1));
    expect(check.problems.join('\n')).toMatch(/recipient for engine, not for floor/);
  });
});
