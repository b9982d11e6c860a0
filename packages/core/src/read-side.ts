/**
 * The read side and visibility, Synapse's rules in one place: whose presence a user receives
 * (itself, the members of its rooms but excluded ones, the modules' `getInterestedUsers`) and
 * whether one user may see another's (either side of routing) — both under the operator's
 * policy (`defaultRouting`, `maxRoomSize`, `localOnly`, `deny`) and the modules' denials,
 * which win over every addition. `PresenceRouter.usersSeenBy`, `statesSeenBy` and `canSee`
 * answer with these; the server asks them and recomputes nothing. Membership failures do not
 * throw: the answer says it is incomplete (and a denial that cannot be checked denies).
 *
 * @example
 * ```ts
 * const seen = await router.usersSeenBy('@bob:hs'); // { users: Set {...} | ALL_USERS, complete }
 * const snapshot = await router.statesSeenBy('@bob:hs', currentStates); // { states, complete }
 * const visible = await router.canSee('@bob:hs', '@alice:hs', aliceState); // { visible, complete }
 * ```
 * @module
 */
import { lookUpMembers, lookUpRooms } from './internal/membership-lookups.ts';
import type { PolicyRules } from './internal/policy-rules.ts';
import {
  type DenialRule,
  denialReason,
  policyRule,
  recipientDenial,
} from './internal/recipient-denials.ts';
import type { MembershipSource } from './membership-source.ts';
import { ALL_USERS, type AllUsers } from './router-module.ts';
import type { UserPresenceState } from './user-presence-state.ts';

/** Whose presence a user receives. */
export interface SeenUsers {
  /** The users, or {@link ALL_USERS}. */
  readonly users: ReadonlySet<string> | AllUsers;
  /** False when some of the user's rooms could not be looked up (their members are missing). */
  readonly complete: boolean;
}

/** Which of some states a user receives. */
export interface SeenStates {
  /** The states received, in the order given. */
  readonly states: readonly UserPresenceState[];
  /** False when some rooms could not be looked up (states may be missing, never extra). */
  readonly complete: boolean;
}

/** Whether a viewer may see a target's presence. */
export interface Visibility {
  readonly visible: boolean;
  /** False when the answer is "no" but some rooms could not be looked up. */
  readonly complete: boolean;
}

/** What the read side needs of the router. */
export interface ReadSideParts {
  readonly membership: MembershipSource;
  readonly excluded: ReadonlySet<string>;
  readonly rules: PolicyRules;
  readonly serverName: string;
  isLocal(userId: string): boolean;
  /** The modules' read side for `userId` (no policy applied). */
  interest(userId: string): Promise<Set<string> | AllUsers>;
  /** The modules' write side for one state, rooms expanded (no denial applied). */
  routed(state: UserPresenceState): Promise<ReadonlyMap<string, unknown>>;
  /** The policy's deny lists and every module's denials for `states`. */
  denials(states: readonly UserPresenceState[]): Promise<readonly DenialRule[]>;
}

/** A room of a user that carries no default presence, and why (for `explain`). */
export interface LimitedRoom {
  readonly roomId: string;
  readonly reason: string;
}

/**
 * Whether `size` joined members are too many for default presence under `rules`: the reason
 * (`max_room_size 500 < 812 members`), or `undefined`.
 */
export function roomSizeLimit(rules: PolicyRules, size: number): string | undefined {
  return size > rules.maxRoomSize
    ? `max_room_size ${rules.maxRoomSize} < ${size} members`
    : undefined;
}

/**
 * The members of the rooms `userId` is joined to that carry default presence (excluded rooms,
 * and under the policy rooms over `maxRoomSize` or every room with `defaultRouting: false`,
 * left out), the user's rooms, and whether all answered.
 */
export async function coMembersOf(
  parts: ReadSideParts,
  userId: string,
): Promise<{
  readonly members: Set<string>;
  readonly rooms: ReadonlySet<string>;
  readonly complete: boolean;
}> {
  const looked = await lookUpRooms(parts.membership, [userId]);
  const rooms = new Set(looked.found.get(userId) ?? []);
  const members = new Set<string>();
  const kept = parts.rules.defaultRouting
    ? [...rooms].filter((roomId) => !parts.excluded.has(roomId))
    : [];
  if (kept.length === 0) return { members, rooms, complete: looked.errors.size === 0 };
  const found = await lookUpMembers(parts.membership, kept);
  for (const list of found.found.values()) {
    if (list.length > parts.rules.maxRoomSize) continue;
    for (const member of list) members.add(member);
  }
  return { members, rooms, complete: looked.errors.size === 0 && found.errors.size === 0 };
}

/**
 * Whether the policy denies `userId` every other user's presence: the rule (`local_only: ...`,
 * `denied by presence.deny.servers x`), or `undefined`; `complete` is false when its rooms could
 * not be looked up for `deny.rooms` (callers then deny: fail closed).
 */
export async function policyDenialOf(
  parts: ReadSideParts,
  userId: string,
  knownRooms?: ReadonlySet<string>,
): Promise<{ readonly reason: string | undefined; readonly complete: boolean }> {
  if (parts.rules.localOnly && !parts.isLocal(userId)) {
    return { reason: `local_only: ${userId} is not on ${parts.serverName}`, complete: true };
  }
  const rule = policyRule(parts.rules);
  if (rule === undefined) return { reason: undefined, complete: true };
  let rooms = knownRooms ?? new Set<string>();
  let complete = true;
  if (knownRooms === undefined && rule.rooms.size > 0) {
    const looked = await lookUpRooms(parts.membership, [userId]);
    rooms = new Set(looked.found.get(userId) ?? []);
    complete = looked.errors.size === 0;
  }
  return { reason: recipientDenial(rule, userId, (roomId) => rooms.has(roomId)), complete };
}

/** See `PresenceRouter.usersSeenBy`. */
export async function usersSeenBy(parts: ReadSideParts, userId: string): Promise<SeenUsers> {
  if (parts.rules.restricts) {
    const denied = await policyDenialOf(parts, userId);
    if (denied.reason !== undefined || !denied.complete) {
      return { users: new Set([userId]), complete: denied.complete };
    }
  }
  const routed = await parts.interest(userId);
  if (routed === ALL_USERS) return { users: ALL_USERS, complete: true };
  const users = new Set<string>(routed);
  users.add(userId);
  const { members, complete } = await coMembersOf(parts, userId);
  for (const member of members) users.add(member);
  return { users, complete };
}

/**
 * The rule among `rules` that denies `viewer` the state of `sender`, with `viewer`'s rooms
 * looked up once when a rule names rooms (rooms that cannot be looked up deny: fail closed).
 */
async function moduleDenialChecker(
  parts: ReadSideParts,
  viewer: string,
  rules: readonly DenialRule[],
): Promise<{
  readonly reasonFor: (sender: string) => string | undefined;
  readonly complete: boolean;
}> {
  let rooms: ReadonlySet<string> = new Set();
  let failed = false;
  if (rules.some((rule) => rule.rooms.size > 0)) {
    const looked = await lookUpRooms(parts.membership, [viewer]);
    rooms = new Set(looked.found.get(viewer) ?? []);
    failed = looked.errors.size > 0;
  }
  return {
    reasonFor: (sender) =>
      denialReason(rules, sender, viewer, (roomId) => failed || rooms.has(roomId)),
    complete: !failed,
  };
}

/** See `PresenceRouter.statesSeenBy`. */
export async function statesSeenBy(
  parts: ReadSideParts,
  viewer: string,
  states: readonly UserPresenceState[],
): Promise<SeenStates> {
  const seen = await usersSeenBy(parts, viewer);
  const candidates = states.filter(
    (state) => state.userId === viewer || seen.users === ALL_USERS || seen.users.has(state.userId),
  );
  const others = candidates.filter((state) => state.userId !== viewer);
  if (others.length === 0) return { states: candidates, complete: seen.complete };
  const rules = await parts.denials(others);
  if (rules.length === 0) return { states: candidates, complete: seen.complete };
  const check = await moduleDenialChecker(parts, viewer, rules);
  return {
    states: candidates.filter((state) => check.reasonFor(state.userId) === undefined),
    complete: seen.complete && check.complete,
  };
}

/** See `PresenceRouter.canSee`. */
export async function canSee(
  parts: ReadSideParts,
  viewer: string,
  target: string,
  targetState: UserPresenceState,
): Promise<Visibility> {
  if (viewer === target) return { visible: true, complete: true };
  if (parts.rules.restricts) {
    const denied = await policyDenialOf(parts, viewer);
    if (denied.reason !== undefined) return { visible: false, complete: true };
    if (!denied.complete) return { visible: false, complete: false };
  }
  const added = await addedFor(parts, viewer, target, targetState);
  if (!added.visible) return added;
  const rules = await parts.denials([targetState]);
  if (rules.length === 0) return added;
  const check = await moduleDenialChecker(parts, viewer, rules);
  if (check.reasonFor(target) !== undefined) return { visible: false, complete: check.complete };
  return added;
}

/** Whether anything adds `viewer` as a recipient of `target`'s state (no denial applied). */
async function addedFor(
  parts: ReadSideParts,
  viewer: string,
  target: string,
  targetState: UserPresenceState,
): Promise<Visibility> {
  const interest = await parts.interest(viewer);
  if (interest === ALL_USERS || interest.has(target)) return { visible: true, complete: true };
  const { members, complete } = await coMembersOf(parts, viewer);
  if (members.has(target)) return { visible: true, complete: true };
  try {
    if ((await parts.routed(targetState)).has(viewer)) return { visible: true, complete: true };
  } catch {
    // A module's room destination could not be expanded: the answer may be incomplete.
    return { visible: false, complete: false };
  }
  return { visible: false, complete };
}
