/**
 * The narrowing benchmark's naive reference: core's subtractive rules applied state by state
 * over the workload's integer arrays — for each sender, its additions (itself, default routing
 * through its rooms of at most `maxRoomSize` members, the example router's rooms and users),
 * minus the members of every denied room and the users of every denied server, the sender
 * always kept — and the comparison of an engine result with it (every local recipient's
 * states, every remote server's recipients and states).
 *
 * @example
 * ```ts
 * const reference = referenceNarrowedFanOut(workload, plan, batch.users, { narrowing });
 * const check = compareWithReference(await router.fanOut(batch.states), reference, workload);
 * ```
 * @module
 */
import { type FanOutResult, serverNameOf } from '@presence-router/core';
import type { Agreement } from './agreement.ts';
import type { NarrowingPlan } from './narrowing-plan.ts';
import type { RouterPlan } from './router-config.ts';
import { userIndexOf, type Workload } from './workload.ts';

/** Which rules the reference applies. */
export interface ReferenceRules {
  /** Module denials (per sender). */
  readonly narrowing?: NarrowingPlan | undefined;
  /** The policy's `deny.rooms`, for every sender (room indices). */
  readonly deniedRooms?: readonly number[];
  /** The policy's `maxRoomSize` (default routing only). Default Infinity. */
  readonly maxRoomSize?: number;
}

/** Who receives which senders' states (user indices). */
export interface ReferenceDeliveries {
  /** Local recipient -> its senders. */
  readonly local: Map<number, number[]>;
  /** Remote server -> its recipients and the senders whose states it receives. */
  readonly remote: Map<string, { users: Set<number>; senders: Set<number> }>;
}

function roomMask(workload: Workload, rooms: readonly number[]): Uint8Array {
  const mask = new Uint8Array(workload.userCount);
  for (const room of rooms) for (const m of workload.membersOf(room)) mask[m] = 1;
  return mask;
}

/** The reference fan-out of the updates of `users` (distinct, local). */
export function referenceNarrowedFanOut(
  workload: Workload,
  plan: RouterPlan,
  users: Int32Array,
  rules: ReferenceRules,
): ReferenceDeliveries {
  const maxRoomSize = rules.maxRoomSize ?? Number.POSITIVE_INFINITY;
  const policyDenied = roomMask(workload, rules.deniedRooms ?? []);
  const narrowing = rules.narrowing;
  const largeRoom = narrowing !== undefined ? roomMask(workload, [narrowing.room]) : undefined;
  const stamp = new Int32Array(workload.userCount);
  const local = new Map<number, number[]>();
  const remote = new Map<string, { users: Set<number>; senders: Set<number> }>();
  let epoch = 0;
  for (const sender of users) {
    epoch++;
    const added: number[] = [];
    const add = (user: number): void => {
      if (stamp[user] !== epoch) {
        stamp[user] = epoch;
        added.push(user);
      }
    };
    add(sender);
    for (const room of workload.roomsOf(sender)) {
      if (workload.participating[room] !== 1) continue;
      const members = workload.membersOf(room);
      if (members.length > maxRoomSize) continue;
      for (const m of members) add(m);
    }
    for (
      let k = plan.routedOffsets[sender] as number;
      k < (plan.routedOffsets[sender + 1] as number);
      k++
    ) {
      for (const m of workload.membersOf(plan.routedRooms[k] as number)) add(m);
    }
    for (const m of plan.alwaysSend) add(m);
    const deniesRoom = largeRoom !== undefined && narrowing?.deniesRoom[sender] === 1;
    const localOnly = narrowing?.localOnly[sender] === 1;
    for (const r of added) {
      if (r !== sender) {
        if (policyDenied[r] === 1) continue;
        if (deniesRoom && largeRoom?.[r] === 1) continue;
        if (localOnly && workload.isLocal[r] !== 1) continue;
      }
      if (workload.isLocal[r] === 1) {
        let list = local.get(r);
        if (list === undefined) {
          list = [];
          local.set(r, list);
        }
        list.push(sender);
      } else {
        const server = serverNameOf(workload.userIds[r] as string) as string;
        let entry = remote.get(server);
        if (entry === undefined) {
          entry = { users: new Set(), senders: new Set() };
          remote.set(server, entry);
        }
        entry.users.add(r);
        entry.senders.add(sender);
      }
    }
  }
  return { local, remote };
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, i) => v === y[i]);
}

/** Compares an engine result with the reference, naming the first few differences. */
export function compareWithReference(
  result: FanOutResult,
  reference: ReferenceDeliveries,
  workload: Workload,
): Agreement {
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < 5) problems.push(text);
  };
  let deliveries = 0;
  const engineLocal = result.toMap();
  for (const [userId, states] of engineLocal) {
    const user = userIndexOf(userId);
    const expected = reference.local.get(user) ?? [];
    const got = states.map((s) => userIndexOf(s.userId));
    deliveries += got.length;
    if (!sameSet(got, expected)) {
      problem(`${userId} receives ${got.length} states, the reference ${expected.length}`);
    }
  }
  for (const user of reference.local.keys()) {
    if (!engineLocal.has(workload.userIds[user] as string)) {
      problem(
        `${workload.userIds[user]} receives nothing from the engine, the reference says it does`,
      );
    }
  }
  let recipients = engineLocal.size;
  const servers = new Set([...result.remote.keys(), ...reference.remote.keys()]);
  for (const server of servers) {
    const got = result.remote.get(server);
    const expected = reference.remote.get(server);
    const gotUsers = (got?.userIds ?? []).map(userIndexOf);
    const gotSenders = (got?.states ?? []).map((s) => userIndexOf(s.userId));
    recipients += gotUsers.length;
    deliveries += gotSenders.length;
    if (!sameSet(gotUsers, [...(expected?.users ?? [])])) {
      problem(
        `${server}: ${gotUsers.length} recipients from the engine, ${expected?.users.size ?? 0} in the reference`,
      );
    }
    if (!sameSet(gotSenders, [...(expected?.senders ?? [])])) {
      problem(
        `${server}: ${gotSenders.length} states from the engine, ${expected?.senders.size ?? 0} in the reference`,
      );
    }
  }
  return { agree: problems.length === 0, recipients, deliveries, problems };
}
