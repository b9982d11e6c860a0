import { FixedMembership, RecordingLogger, seededRandom } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  type PresencePolicy,
  PresenceRouter,
  type PresenceRouterModule,
  type RecipientDenial,
  serverNameOf,
  type UserPresenceState,
  userPresenceState,
} from '../src/index.ts';

const HS = 'hs.example';
const SERVERS = [HS, HS, HS, 'remote.example', 'other.example:8448'];

interface Workload {
  readonly membership: FixedMembership;
  readonly excluded: Set<string>;
  readonly policy: PresencePolicy;
  readonly modules: PresenceRouterModule[];
  readonly batch: UserPresenceState[];
}

/** The reference semantics of subtractive routing, written the slow, obvious way. */
async function reference(w: Workload): Promise<{
  local: Record<string, string[]>;
  remote: Record<string, string[]>;
  /** Per server, the remote users at least one state reaches. */
  remoteUsers: Record<string, string[]>;
}> {
  const { membership, excluded, policy, modules, batch } = w;
  const memberOf = (userId: string, roomId: string) =>
    membership.rooms.get(roomId)?.includes(userId) ?? false;
  const candidates = new Map<UserPresenceState, Set<string>>(batch.map((s) => [s, new Set()]));
  for (const state of batch) {
    const to = candidates.get(state) as Set<string>;
    if (policy.defaultRouting === false) continue;
    for (const [roomId, members] of membership.rooms) {
      if (excluded.has(roomId) || !members.includes(state.userId)) continue;
      if (members.length > (policy.maxRoomSize ?? Number.POSITIVE_INFINITY)) continue;
      for (const member of members) to.add(member);
    }
  }
  const denials: { senders: 'all' | string; denial: RecipientDenial }[] = [];
  if (policy.deny !== undefined) denials.push({ senders: 'all', denial: policy.deny });
  for (const module of modules) {
    if (module.getRoomsAndUsersForStates !== undefined) {
      const [rooms, users] = (await module.getRoomsAndUsersForStates(batch)) as [
        Record<string, UserPresenceState[]>,
        Record<string, UserPresenceState[]>,
      ];
      for (const [roomId, states] of Object.entries(rooms)) {
        for (const member of membership.rooms.get(roomId) ?? [])
          for (const s of states) candidates.get(s)?.add(member);
      }
      for (const [userId, states] of Object.entries(users))
        for (const s of states) candidates.get(s)?.add(userId);
    }
    if (module.getDeniedRecipients !== undefined) {
      const denied = (await module.getDeniedRecipients(batch)) as Record<string, RecipientDenial>;
      for (const [sender, denial] of Object.entries(denied)) {
        denials.push({ senders: sender === '*' ? 'all' : sender, denial });
      }
    }
  }
  const isDenied = (sender: string, recipient: string) =>
    denials.some(
      ({ senders, denial }) =>
        (senders === 'all' || senders === sender) &&
        ([...(denial.users ?? [])].includes(recipient) ||
          [...(denial.servers ?? [])].includes(serverNameOf(recipient) as string) ||
          [...(denial.rooms ?? [])].some((roomId) => memberOf(recipient, roomId))),
    );
  const local = new Map<string, Set<string>>();
  const remote = new Map<string, Set<string>>();
  const remoteUsers = new Map<string, Set<string>>();
  for (const [state, to] of candidates) {
    const key = `${state.userId}=${state.state}`;
    const senderLocal = serverNameOf(state.userId) === HS;
    if (senderLocal) to.add(state.userId);
    for (const recipient of to) {
      const server = serverNameOf(recipient) as string;
      if (recipient !== state.userId && isDenied(state.userId, recipient)) continue;
      if (server === HS) {
        if (!local.has(recipient)) local.set(recipient, new Set());
        local.get(recipient)?.add(key);
      } else if (senderLocal && policy.localOnly !== true) {
        if (!remote.has(server)) remote.set(server, new Set());
        remote.get(server)?.add(key);
        if (!remoteUsers.has(server)) remoteUsers.set(server, new Set());
        remoteUsers.get(server)?.add(recipient);
      }
    }
  }
  const sorted = (m: Map<string, Set<string>>) =>
    Object.fromEntries(
      [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]),
    );
  return { local: sorted(local), remote: sorted(remote), remoteUsers: sorted(remoteUsers) };
}

function workload(seed: number, denierFirst: boolean): Workload {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const users = Array.from({ length: 60 }, (_, i) => `@u${i}:${pick(SERVERS)}`);
  const rooms: Record<string, string[]> = {};
  for (let r = 0; r < 25; r++) {
    const size = 1 + Math.floor(random() * 14);
    const members = new Set<string>();
    while (members.size < size) members.add(pick(users));
    rooms[`!r${r}:hs.example`] = [...members];
  }
  const membership = new FixedMembership(rooms);
  for (const [roomId, members] of membership.rooms) {
    if (!members.some((m) => serverNameOf(m) === HS)) membership.rooms.delete(roomId);
  }
  const room = () => `!r${Math.floor(random() * 25)}:hs.example`;
  const chance = (p: number) => random() < p;
  const policy: PresencePolicy = {
    ...(chance(0.25) ? { defaultRouting: false } : {}),
    ...(chance(0.3) ? { localOnly: true } : {}),
    ...(chance(0.5) ? { maxRoomSize: 1 + Math.floor(random() * 12) } : {}),
    ...(chance(0.6)
      ? {
          deny: {
            users: chance(0.5) ? [pick(users), pick(users)] : [],
            rooms: chance(0.5) ? [room()] : [],
            servers: chance(0.3) ? [pick(SERVERS)] : [],
          },
        }
      : {}),
  };
  const routedRooms = [room(), room()];
  const routedUsers = [pick(users), '@outsider:remote.example'];
  const adder: PresenceRouterModule = {
    moduleName: 'adder',
    getRoomsAndUsersForStates: (states) => [
      Object.fromEntries(
        routedRooms.map((roomId, i) => [roomId, states.filter((_, j) => j % 2 === i % 2)]),
      ),
      Object.fromEntries(routedUsers.map((userId) => [userId, states.slice(0, 3)])),
    ],
  };
  const batch = [...new Set(Array.from({ length: 15 }, () => pick(users)))].map((userId) =>
    userPresenceState(userId, { state: random() < 0.5 ? 'online' : 'unavailable' }),
  );
  const deniedFor = new Map<string, RecipientDenial>();
  for (const state of batch) {
    if (!chance(0.4)) continue;
    deniedFor.set(state.userId, {
      users: [pick(users)],
      rooms: chance(0.5) ? [room()] : [],
      servers: chance(0.2) ? [pick(SERVERS)] : [],
    });
  }
  if (chance(0.3)) deniedFor.set('*', { users: [pick(users)], rooms: [room()] });
  const denier: PresenceRouterModule = {
    moduleName: 'denier',
    getDeniedRecipients: () => Object.fromEntries(deniedFor),
  };
  return {
    membership,
    excluded: new Set([room()]),
    policy,
    modules: denierFirst ? [denier, adder] : [adder, denier],
    batch,
  };
}

describe('subtractive routing: the grouped engine agrees with the reference on random policies', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const denierFirst = seed % 2 === 0;
    it(`seed ${seed} (${denierFirst ? 'denier' : 'adder'} first)`, async () => {
      const w = workload(seed, denierFirst);
      const router = new PresenceRouter({
        serverName: HS,
        membership: w.membership,
        modules: w.modules,
        policy: w.policy,
        excludeRoomsFromPresence: w.excluded,
        logger: new RecordingLogger(),
      });
      const result = await router.fanOut(w.batch);
      const expected = await reference(w);
      const local: Record<string, string[]> = {};
      for (const [userId, states] of [...result.toMap()].sort(([a], [b]) => a.localeCompare(b))) {
        local[userId] = states.map((s) => `${s.userId}=${s.state}`).sort();
      }
      expect(local).toEqual(expected.local);
      expect(
        Object.fromEntries(
          [...result.remote]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([server, d]) => [server, d.states.map((s) => `${s.userId}=${s.state}`).sort()]),
        ),
      ).toEqual(expected.remote);
      expect(
        Object.fromEntries(
          [...result.remote]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([server, d]) => [server, [...d.userIds].sort()]),
        ),
      ).toEqual(expected.remoteUsers);
      // Every local recipient is in exactly one group, and every group receives something.
      const grouped = result.groups.flatMap((g) => [...g.userIds]);
      expect(new Set(grouped).size).toBe(grouped.length);
      expect(result.groups.every((g) => g.states.length > 0)).toBe(true);
      // The read side agrees with the write side on every (state, local recipient) pair.
      const deliveredPairs = w.batch.flatMap((state) =>
        Object.keys(expected.local)
          .filter((recipient) =>
            expected.local[recipient]?.includes(`${state.userId}=${state.state}`),
          )
          .map((recipient) => [state.userId, recipient] as const),
      );
      expect(deliveredPairs.length).toBeGreaterThan(0);
      expect(
        deliveredPairs.filter(([sender, recipient]) => !result.allows(sender, recipient)),
      ).toEqual([]);
    });
  }
});
