/**
 * The seeded workload generator (the model of the public matrix-locust load generator):
 * `users` users on one server (a share of them optionally remote), as many rooms as users
 * with Pareto-distributed sizes (alpha 1.161, minimum 2, capped at the user count) and
 * members drawn without replacement — or the worst case, one room holding every user.
 *
 * Membership is held in typed arrays (compressed rows: offsets + members), both ways
 * (room -> members, user -> rooms); strings exist only for user IDs, which the routing
 * APIs need. Same options, same workload.
 *
 * @example
 * ```ts
 * const workload = generateWorkload({ users: 20_000, shape: 'pareto', seed: 1 });
 * workload.roomCount; // 20_000
 * workload.membersOf(0); // Int32Array of user indices
 * workload.userIds[5]; // '@u5:bench.test'
 * ```
 * @module
 */
import { BenchError } from './errors.ts';
import { paretoDraw, randomInt, randomStream } from './random-streams.ts';

/** `pareto`: Pareto room sizes, one room per user; `universal`: one room holding every user. */
export type WorkloadShape = 'pareto' | 'universal';

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  /** Number of users (>= 2). */
  readonly users: number;
  readonly shape: WorkloadShape;
  readonly seed: number;
  /** Share of users on other servers, in [0, 1). Default 0. */
  readonly remoteShare?: number;
  /** Number of remote servers the remote users spread over. Default 4. */
  readonly remoteServers?: number;
  /** This server's name. Default `bench.test`. */
  readonly serverName?: string;
  /** Pareto shape of room sizes. Default 1.161. */
  readonly alpha?: number;
  /** Smallest room. Default 2. */
  readonly minRoomSize?: number;
}

/** The options of a workload with every default filled in. */
export type ResolvedWorkloadOptions = Required<WorkloadOptions>;

/** Users, rooms and who is in which room. */
export interface Workload {
  readonly options: ResolvedWorkloadOptions;
  readonly userCount: number;
  readonly roomCount: number;
  /** Sum of room sizes (number of memberships). */
  readonly membershipCount: number;
  /** User ID of each user index. */
  readonly userIds: readonly string[];
  /** 1 for local users. */
  readonly isLocal: Uint8Array;
  /** Indices of the local users, ascending. */
  readonly localUsers: Int32Array;
  /** Room `r`'s members are `roomMembers[roomOffsets[r] .. roomOffsets[r + 1]]`. */
  readonly roomOffsets: Int32Array;
  readonly roomMembers: Int32Array;
  /** User `u`'s rooms are `userRooms[userRoomOffsets[u] .. userRoomOffsets[u + 1]]`. */
  readonly userRoomOffsets: Int32Array;
  readonly userRooms: Int32Array;
  /** 1 for rooms with at least one local member (the server participates). */
  readonly participating: Uint8Array;
  /** Members of room `r` (a view, do not mutate). */
  membersOf(room: number): Int32Array;
  /** Rooms of user `u` (a view, do not mutate). */
  roomsOf(user: number): Int32Array;
  /** The room ID of room index `r`. */
  roomIdOf(room: number): string;
}

const DEFAULTS = {
  remoteShare: 0,
  remoteServers: 4,
  serverName: 'bench.test',
  alpha: 1.161,
  minRoomSize: 2,
} as const;

/** Fills in defaults and checks ranges. */
export function resolveWorkloadOptions(options: WorkloadOptions): ResolvedWorkloadOptions {
  const resolved: ResolvedWorkloadOptions = { ...DEFAULTS, ...options };
  const problem = (message: string): never => {
    throw new BenchError('INVALID_OPTION', `Invalid workload options: ${message}`);
  };
  if (!Number.isInteger(resolved.users) || resolved.users < 2 || resolved.users > 50_000_000) {
    problem(`users must be an integer from 2 to 50,000,000, got ${String(resolved.users)}`);
  }
  if (resolved.shape !== 'pareto' && resolved.shape !== 'universal') {
    problem(`shape must be 'pareto' or 'universal', got ${String(resolved.shape)}`);
  }
  if (!(resolved.remoteShare >= 0 && resolved.remoteShare < 1)) {
    problem(`remoteShare must be in [0, 1), got ${String(resolved.remoteShare)}`);
  }
  if (!Number.isInteger(resolved.remoteServers) || resolved.remoteServers < 1) {
    problem(`remoteServers must be a positive integer, got ${String(resolved.remoteServers)}`);
  }
  if (!(resolved.alpha > 0)) problem(`alpha must be positive, got ${String(resolved.alpha)}`);
  if (!Number.isInteger(resolved.minRoomSize) || resolved.minRoomSize < 1) {
    problem(`minRoomSize must be a positive integer, got ${String(resolved.minRoomSize)}`);
  }
  if (resolved.minRoomSize > resolved.users) {
    problem(`minRoomSize (${resolved.minRoomSize}) exceeds users (${resolved.users})`);
  }
  return resolved;
}

/** The user ID of user `index` (remote users get one of the remote server names). */
export function userIdFor(index: number, server: string): string {
  return `@u${index}:${server}`;
}

/** The user index encoded in a workload user ID, or -1 when it is not one. */
export function userIndexOf(userId: string): number {
  const colon = userId.indexOf(':');
  if (!userId.startsWith('@u') || colon < 3) return -1;
  const index = Number(userId.slice(2, colon));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}

/** The room ID of room `index` on `server`. */
export function roomIdFor(index: number, server: string): string {
  return `!r${index}:${server}`;
}

/** The room index encoded in a workload room ID, or -1 when it is not one. */
export function roomIndexOf(roomId: string): number {
  const colon = roomId.indexOf(':');
  if (!roomId.startsWith('!r') || colon < 3) return -1;
  const index = Number(roomId.slice(2, colon));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}

/** Generates a workload; the same options always give the same workload. */
export function generateWorkload(options: WorkloadOptions): Workload {
  const resolved = resolveWorkloadOptions(options);
  const n = resolved.users;
  const server = resolved.serverName;

  // Users: which are remote, and their IDs.
  const userRandom = randomStream(resolved.seed, 1);
  const isLocal = new Uint8Array(n);
  const userIds = new Array<string>(n);
  let localCount = 0;
  for (let u = 0; u < n; u++) {
    const remote = resolved.remoteShare > 0 && userRandom() < resolved.remoteShare;
    if (remote) {
      userIds[u] = userIdFor(u, `remote${randomInt(userRandom, resolved.remoteServers)}.test`);
    } else {
      isLocal[u] = 1;
      localCount++;
      userIds[u] = userIdFor(u, server);
    }
  }
  if (localCount === 0) {
    // At least one local user: the server must exist in its own workload.
    isLocal[0] = 1;
    userIds[0] = userIdFor(0, server);
    localCount = 1;
  }
  // Room sizes.
  const roomCount = resolved.shape === 'universal' ? 1 : n;
  const roomOffsets = new Int32Array(roomCount + 1);
  const sizeRandom = randomStream(resolved.seed, 2);
  for (let r = 0; r < roomCount; r++) {
    const size =
      resolved.shape === 'universal'
        ? n
        : Math.min(n, paretoDraw(sizeRandom, resolved.alpha, resolved.minRoomSize));
    const next = (roomOffsets[r] as number) + size;
    if (next > 0x7fffffff) {
      throw new BenchError('INVALID_OPTION', `The workload has too many memberships (> 2^31)`);
    }
    roomOffsets[r + 1] = next;
  }
  const membershipCount = roomOffsets[roomCount] as number;

  // Members, without replacement: a partial Fisher-Yates shuffle of a persistent permutation
  // (any permutation shuffled partially gives a uniform random subset).
  const roomMembers = new Int32Array(membershipCount);
  const permutation = new Int32Array(n);
  for (let u = 0; u < n; u++) permutation[u] = u;
  const memberRandom = randomStream(resolved.seed, 3);
  for (let r = 0; r < roomCount; r++) {
    const start = roomOffsets[r] as number;
    const size = (roomOffsets[r + 1] as number) - start;
    for (let k = 0; k < size; k++) {
      const j = k + randomInt(memberRandom, n - k);
      const picked = permutation[j] as number;
      permutation[j] = permutation[k] as number;
      permutation[k] = picked;
      roomMembers[start + k] = picked;
    }
  }

  return assembleWorkload(resolved, userIds, isLocal, roomOffsets, roomMembers);
}

/**
 * A workload from explicit rooms (each a list of user indices), for hand-made cases: users
 * `@u<i>:<serverName>`, except those listed in `remote` (`@u<i>:remote0.test`).
 */
export function workloadFromRooms(
  users: number,
  rooms: readonly (readonly number[])[],
  options: { readonly remote?: readonly number[]; readonly serverName?: string } = {},
): Workload {
  const resolved = resolveWorkloadOptions({
    users,
    shape: 'pareto',
    seed: 0,
    minRoomSize: 1,
    ...(options.serverName !== undefined ? { serverName: options.serverName } : {}),
  });
  const remote = new Set(options.remote ?? []);
  const isLocal = new Uint8Array(users);
  const userIds = new Array<string>(users);
  for (let u = 0; u < users; u++) {
    isLocal[u] = remote.has(u) ? 0 : 1;
    userIds[u] = userIdFor(u, remote.has(u) ? 'remote0.test' : resolved.serverName);
  }
  const roomOffsets = new Int32Array(rooms.length + 1);
  rooms.forEach((members, r) => {
    if (new Set(members).size !== members.length || members.some((m) => !(m >= 0 && m < users))) {
      throw new BenchError('INVALID_OPTION', `Room ${r} lists a user twice or out of range`);
    }
    roomOffsets[r + 1] = (roomOffsets[r] as number) + members.length;
  });
  const roomMembers = Int32Array.from(rooms.flat());
  return assembleWorkload(resolved, userIds, isLocal, roomOffsets, roomMembers);
}

/** Builds the user -> rooms index and the participation flags around room membership. */
function assembleWorkload(
  resolved: ResolvedWorkloadOptions,
  userIds: string[],
  isLocal: Uint8Array,
  roomOffsets: Int32Array,
  roomMembers: Int32Array,
): Workload {
  const n = userIds.length;
  const roomCount = roomOffsets.length - 1;
  const membershipCount = roomMembers.length;
  const server = resolved.serverName;
  let localCount = 0;
  for (let u = 0; u < n; u++) localCount += isLocal[u] as number;
  const localUsers = new Int32Array(localCount);
  for (let u = 0, k = 0; u < n; u++) if (isLocal[u] === 1) localUsers[k++] = u;

  // Rooms of each user (compressed rows built by counting).
  const userRoomOffsets = new Int32Array(n + 1);
  for (let i = 0; i < membershipCount; i++) userRoomOffsets[(roomMembers[i] as number) + 1]!++;
  for (let u = 0; u < n; u++) userRoomOffsets[u + 1]! += userRoomOffsets[u] as number;
  const userRooms = new Int32Array(membershipCount);
  const fill = userRoomOffsets.slice(0, n);
  const participating = new Uint8Array(roomCount);
  for (let r = 0; r < roomCount; r++) {
    for (let i = roomOffsets[r] as number; i < (roomOffsets[r + 1] as number); i++) {
      const u = roomMembers[i] as number;
      userRooms[fill[u]!++] = r;
      if (isLocal[u] === 1) participating[r] = 1;
    }
  }

  return {
    options: resolved,
    userCount: n,
    roomCount,
    membershipCount,
    userIds,
    isLocal,
    localUsers,
    roomOffsets,
    roomMembers,
    userRoomOffsets,
    userRooms,
    participating,
    membersOf: (room) =>
      roomMembers.subarray(roomOffsets[room] as number, roomOffsets[room + 1] as number),
    roomsOf: (user) =>
      userRooms.subarray(userRoomOffsets[user] as number, userRoomOffsets[user + 1] as number),
    roomIdOf: (room) => roomIdFor(room, server),
  };
}

/** Largest room size of a workload. */
export function largestRoomSize(workload: Workload): number {
  let largest = 0;
  for (let r = 0; r < workload.roomCount; r++) {
    const size = (workload.roomOffsets[r + 1] as number) - (workload.roomOffsets[r] as number);
    if (size > largest) largest = size;
  }
  return largest;
}
