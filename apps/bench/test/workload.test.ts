import { PresenceRouterError } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/errors.ts';
import { paretoDraw, randomInt, randomStream } from '../src/random-streams.ts';
import { generateRouterPlan } from '../src/router-config.ts';
import {
  generateWorkload,
  largestRoomSize,
  roomIndexOf,
  userIndexOf,
  type Workload,
} from '../src/workload.ts';
import { generateBatches } from '../src/workload-batches.ts';

function roomSizes(workload: Workload): number[] {
  return Array.from({ length: workload.roomCount }, (_, r) => workload.membersOf(r).length);
}

describe('random streams', () => {
  const sequence = (seed: number, stream: number) => {
    const random = randomStream(seed, stream);
    return Array.from({ length: 20 }, () => random());
  };

  it.each([
    { what: 'another seed', seed: 8, stream: 1 },
    { what: 'another stream', seed: 7, stream: 2 },
  ])('give the same sequence for the same seed and stream, another for $what', (other) => {
    const seq = sequence(7, 1);
    expect(sequence(7, 1)).toEqual(seq);
    expect(sequence(other.seed, other.stream)).not.toEqual(seq);
    for (const x of seq) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draw integers in range and Pareto values at or above the minimum', () => {
    const random = randomStream(1, 1);
    for (let i = 0; i < 1000; i++) {
      const n = randomInt(random, 5);
      expect(Number.isInteger(n) && n >= 0 && n < 5).toBe(true);
      expect(paretoDraw(random, 1.161, 2)).toBeGreaterThanOrEqual(2);
    }
  });

  it('reject a non-integer seed', () => {
    expect(() => randomStream(1.5, 1)).toThrow(BenchError);
  });
});

describe('generateWorkload', () => {
  it('has as many rooms as users, each of at least 2 members and at most all users', () => {
    const workload = generateWorkload({ users: 5000, shape: 'pareto', seed: 3 });
    expect(workload.roomCount).toBe(5000);
    const sizes = roomSizes(workload);
    expect(Math.min(...sizes)).toBe(2);
    expect(largestRoomSize(workload)).toBeLessThanOrEqual(5000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(workload.membershipCount);
  });

  it('draws room sizes from a heavy-tailed Pareto distribution (alpha 1.161, minimum 2)', () => {
    const workload = generateWorkload({ users: 20_000, shape: 'pareto', seed: 11 });
    const sizes = roomSizes(workload);
    // P(size >= s) = (2 / s)^1.161 for s below the cap: check two points of the tail.
    const share = (s: number) => sizes.filter((x) => x >= s).length / sizes.length;
    expect(share(4)).toBeGreaterThan(0.4);
    expect(share(4)).toBeLessThan(0.5); // (2/4)^1.161 = 0.447
    expect(share(20)).toBeGreaterThan(0.05);
    expect(share(20)).toBeLessThan(0.085); // (2/20)^1.161 = 0.069
  });

  it('draws members without replacement and indexes rooms of users consistently', () => {
    const workload = generateWorkload({ users: 2000, shape: 'pareto', seed: 5 });
    for (let r = 0; r < workload.roomCount; r++) {
      const members = workload.membersOf(r);
      expect(new Set(members).size).toBe(members.length);
      for (const u of members) expect(workload.roomsOf(u)).toContain(r);
    }
    let total = 0;
    for (let u = 0; u < workload.userCount; u++) total += workload.roomsOf(u).length;
    expect(total).toBe(workload.membershipCount);
  });

  it('makes the worst case: one room holding every user', () => {
    const workload = generateWorkload({ users: 1000, shape: 'universal', seed: 1 });
    expect(workload.roomCount).toBe(1);
    expect([...workload.membersOf(0)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it('puts a share of users on remote servers and marks rooms without local users', () => {
    const workload = generateWorkload({ users: 4000, shape: 'pareto', seed: 9, remoteShare: 0.5 });
    const remote = workload.userCount - workload.localUsers.length;
    expect(remote).toBeGreaterThan(1800);
    expect(remote).toBeLessThan(2200);
    for (let u = 0; u < workload.userCount; u++) {
      expect(workload.userIds[u]?.endsWith(':bench.test')).toBe(workload.isLocal[u] === 1);
    }
    for (let r = 0; r < workload.roomCount; r++) {
      const anyLocal = [...workload.membersOf(r)].some((u) => workload.isLocal[u] === 1);
      expect(workload.participating[r] === 1).toBe(anyLocal);
    }
    expect([...workload.participating].includes(0)).toBe(true);
  });

  it('round-trips user and room IDs to indices', () => {
    const workload = generateWorkload({ users: 10, shape: 'pareto', seed: 1 });
    expect(userIndexOf(workload.userIds[7] as string)).toBe(7);
    expect(roomIndexOf(workload.roomIdOf(3))).toBe(3);
    expect(userIndexOf('@alice:bench.test')).toBe(-1);
    expect(roomIndexOf('!abc:bench.test')).toBe(-1);
  });
});

describe('generateBatches', () => {
  it('draws distinct local users per batch, each with its own update', () => {
    const workload = generateWorkload({ users: 3000, shape: 'pareto', seed: 2, remoteShare: 0.2 });
    const a = generateBatches(workload, { size: 500, count: 3, seed: 4 });
    for (const batch of a) {
      expect(new Set(batch.users).size).toBe(500);
      batch.users.forEach((u, i) => {
        expect(workload.isLocal[u]).toBe(1);
        expect(batch.states[i]?.userId).toBe(workload.userIds[u]);
      });
    }
  });
});

describe('generateRouterPlan', () => {
  it('configures always_send_to_users and users_to_rooms, in both forms', () => {
    const workload = generateWorkload({ users: 2000, shape: 'pareto', seed: 2 });
    const plan = generateRouterPlan(workload, { seed: 6, alwaysSendCount: 3, routedShare: 0.1 });
    expect(plan.config.always_send_to_users).toHaveLength(3);
    const routedUsers = Object.keys(plan.config.users_to_rooms);
    expect(routedUsers.length).toBeGreaterThan(150);
    expect(routedUsers.length).toBeLessThan(250);
    for (const userId of routedUsers) {
      const u = userIndexOf(userId);
      const rooms = [
        ...plan.routedRooms.subarray(plan.routedOffsets[u], plan.routedOffsets[u + 1]),
      ];
      expect(plan.config.users_to_rooms[userId]).toEqual(rooms.map((r) => workload.roomIdOf(r)));
    }
  });
});

describe('the generators are seeded', () => {
  const workload = generateWorkload({ users: 3000, shape: 'pareto', seed: 2, remoteShare: 0.2 });
  it.each<{ generator: string; make: (seed: number) => unknown }>([
    {
      generator: 'generateWorkload',
      make: (seed) => {
        // Its data: not its accessors (new closures every time), nor its options (the seed).
        const { membersOf, roomsOf, roomIdOf, options, ...data } = generateWorkload({
          users: 3000,
          shape: 'pareto',
          seed,
          remoteShare: 0.1,
        });
        return data;
      },
    },
    {
      generator: 'generateBatches',
      make: (seed) => generateBatches(workload, { size: 500, count: 3, seed }),
    },
    {
      generator: 'generateRouterPlan',
      make: (seed) => generateRouterPlan(workload, { seed, alwaysSendCount: 3, routedShare: 0.1 }),
    },
  ])('$generator: same seed, same output; another seed, another', ({ make }) => {
    expect(make(42)).toEqual(make(42));
    expect(make(42)).not.toEqual(make(43));
  });
});

describe('bad options', () => {
  const workload = generateWorkload({ users: 10, shape: 'pareto', seed: 2 });
  it.each<{ what: string; make: () => unknown; says: RegExp }>([
    {
      what: 'a single user',
      make: () => generateWorkload({ users: 1, shape: 'pareto', seed: 1 }),
      says: /users must be an integer from 2/,
    },
    {
      what: 'every user remote',
      make: () => generateWorkload({ users: 10, shape: 'pareto', seed: 1, remoteShare: 1 }),
      says: /remoteShare must be in \[0, 1\)/,
    },
    {
      what: 'an unknown shape',
      make: () => generateWorkload({ users: 10, shape: 'cube' as 'pareto', seed: 1 }),
      says: /shape must be 'pareto' or 'universal'/,
    },
    {
      what: 'a batch larger than the local users',
      make: () => generateBatches(workload, { size: 11, count: 1, seed: 1 }),
      says: /Batch size must be an integer from 1 to the 10 local users, got 11/,
    },
    {
      what: 'no batches',
      make: () => generateBatches(workload, { size: 1, count: 0, seed: 1 }),
      says: /Batch count must be a positive integer/,
    },
    {
      what: 'a negative alwaysSendCount',
      make: () => generateRouterPlan(workload, { seed: 1, alwaysSendCount: -1 }),
      says: /alwaysSendCount must be an integer >= 0/,
    },
    {
      what: 'a routedShare above 1',
      make: () => generateRouterPlan(workload, { seed: 1, routedShare: 1.5 }),
      says: /routedShare must be in \[0, 1\]/,
    },
  ])('rejects $what with an INVALID_OPTION BenchError', ({ make, says }) => {
    let error: unknown;
    try {
      make();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BenchError);
    expect(error).toBeInstanceOf(PresenceRouterError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(says) });
  });
});
