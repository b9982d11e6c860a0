/**
 * MSC4495 settings and room hints for the narrowing benchmark, seeded, and the lookups
 * `selectiveRecipientsForBatch` reads (`SelectivePresenceWorld`), cached per user as a
 * server's caches would be. Settings are parsed from `m.presence.sharing` content with
 * `parseSharingSettings`. Distribution over local users:
 *
 * - 60% `share_locally` only;
 * - 25% allow up to 3 of their rooms that hint `suggest`, and 2 co-members as users;
 * - 10% `share_locally`, allow all their `suggest` rooms, deny one remote server;
 * - 5% no settings (they send presence to nobody).
 *
 * Room hints: 30% of rooms `suggest`, the rest none (`forbid`).
 *
 * @example
 * ```ts
 * const msc = generateMscWorld(workload, membership, { seed: 1 });
 * selectiveRecipientsForBatch(batch.states.map((s) => s.userId), msc.world);
 * ```
 * @module
 */
import { serverNameOf } from '@presence-router/core';
import {
  type JoinedRoomFacts,
  type PresenceSharingSettings,
  parseSharingSettings,
  type SelectivePresenceWorld,
} from '@presence-router/selective-presence';
import { randomInt, randomStream } from './random-streams.ts';
import { userIndexOf, type Workload } from './workload.ts';
import type { WorkloadMembership } from './workload-membership.ts';

export { selectiveRecipientsForBatch } from '@presence-router/selective-presence';

/** Options of {@link generateMscWorld}. */
export interface MscWorldOptions {
  readonly seed: number;
  /** Share of rooms hinting `suggest`. Default 0.3. */
  readonly suggestShare?: number;
}

/** The generated settings, hints and the lookups over them. */
export interface MscWorld {
  readonly world: SelectivePresenceWorld;
  /** 1 for rooms hinting `suggest`. */
  readonly suggests: Uint8Array;
  /** Users per settings kind. */
  readonly kinds: Readonly<Record<MscSettingsKind, number>>;
  /** The share of rooms drawn to hint `suggest`. */
  readonly suggestShare: number;
}

/** The four kinds of settings drawn. */
export type MscSettingsKind = 'share-locally' | 'allow-rooms-users' | 'deny-server' | 'none';

const MSC_STREAM = 43;

/** Draws hints and settings; the lookups build a user's room facts once, on first use. */
export function generateMscWorld(
  workload: Workload,
  membership: WorkloadMembership,
  options: MscWorldOptions,
): MscWorld {
  const random = randomStream(options.seed, MSC_STREAM);
  const suggestShare = options.suggestShare ?? 0.3;
  const suggests = new Uint8Array(workload.roomCount);
  for (let room = 0; room < workload.roomCount; room++) {
    suggests[room] = random() < suggestShare ? 1 : 0;
  }
  const servers = new Set<string>();
  for (let u = 0; u < workload.userCount; u++) {
    if (workload.isLocal[u] !== 1)
      servers.add(serverNameOf(workload.userIds[u] as string) as string);
  }
  const remoteServers = [...servers].sort();
  const kinds: Record<MscSettingsKind, number> = {
    'share-locally': 0,
    'allow-rooms-users': 0,
    'deny-server': 0,
    none: 0,
  };
  const settings = new Array<PresenceSharingSettings | undefined>(workload.userCount);
  for (const user of workload.localUsers) {
    const rooms = [...workload.roomsOf(user)].filter((r) => workload.participating[r] === 1);
    const suggested = rooms.filter((r) => suggests[r] === 1);
    const r = random();
    let content: Record<string, unknown> | undefined;
    if (r < 0.6) {
      kinds['share-locally']++;
      content = { share_locally: true };
    } else if (r < 0.85) {
      kinds['allow-rooms-users']++;
      const allowed = suggested.slice(0, 3);
      const users: Record<string, string> = {};
      for (let i = 0; i < 2 && rooms.length > 0; i++) {
        const members = workload.membersOf(rooms[randomInt(random, rooms.length)] as number);
        const other = members[randomInt(random, members.length)] as number;
        if (other !== user) users[workload.userIds[other] as string] = 'allow';
      }
      content = {
        rooms: Object.fromEntries(allowed.map((room) => [workload.roomIdOf(room), 'allow'])),
        users,
      };
    } else if (r < 0.95) {
      kinds['deny-server']++;
      content = {
        share_locally: true,
        rooms: Object.fromEntries(suggested.map((room) => [workload.roomIdOf(room), 'allow'])),
        servers:
          remoteServers.length > 0
            ? { [remoteServers[randomInt(random, remoteServers.length)] as string]: 'deny' }
            : {},
      };
    } else {
      kinds.none++;
    }
    settings[user] = content === undefined ? undefined : parseSharingSettings(content);
  }
  const facts = new Array<readonly JoinedRoomFacts[] | undefined>(workload.userCount);
  const world: SelectivePresenceWorld = {
    serverName: workload.options.serverName,
    settingsOf: (userId) => settings[userIndexOf(userId)],
    roomsOf(userId) {
      const user = userIndexOf(userId);
      let list = facts[user];
      if (list === undefined) {
        const built: JoinedRoomFacts[] = [];
        for (const room of workload.roomsOf(user)) {
          if (workload.participating[room] !== 1) continue;
          const roomId = membership.roomId(room);
          const members = membership.membersOfRoom(room);
          built.push(
            suggests[room] === 1 ? { roomId, members, hint: 'suggest' } : { roomId, members },
          );
        }
        list = built;
        facts[user] = list;
      }
      return list;
    },
  };
  return { world, suggests, kinds, suggestShare };
}
