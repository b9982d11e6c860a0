/**
 * The read side and visibility, Synapse's rules in one place: whose presence a user receives
 * (itself, the members of its rooms but excluded ones, the modules' `getInterestedUsers`) and
 * whether one user may see another's (either side of routing). `PresenceRouter.usersSeenBy`
 * and `PresenceRouter.canSee` answer with these; the server asks them and recomputes nothing.
 * Membership failures do not throw: the answer says it is incomplete.
 *
 * @example
 * ```ts
 * const seen = await router.usersSeenBy('@bob:hs'); // { users: Set {...} | ALL_USERS, complete }
 * const visible = await router.canSee('@bob:hs', '@alice:hs', aliceState); // { visible, complete }
 * ```
 * @module
 */
import { lookUpMembers, lookUpRooms } from './internal/membership-lookups.ts';
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
  /** The modules' read side for `userId`. */
  interest(userId: string): Promise<Set<string> | AllUsers>;
  /** The modules' write side for one state, rooms expanded. */
  routed(state: UserPresenceState): Promise<ReadonlyMap<string, unknown>>;
}

/** Members of the rooms `userId` is joined to (excluded rooms left out), and whether all answered. */
export async function coMembersOf(
  parts: ReadSideParts,
  userId: string,
): Promise<{ readonly members: Set<string>; readonly complete: boolean }> {
  const rooms = await lookUpRooms(parts.membership, [userId]);
  const kept = (rooms.found.get(userId) ?? []).filter((roomId) => !parts.excluded.has(roomId));
  const members = new Set<string>();
  if (kept.length === 0) return { members, complete: rooms.errors.size === 0 };
  const found = await lookUpMembers(parts.membership, kept);
  for (const list of found.found.values()) for (const member of list) members.add(member);
  return { members, complete: rooms.errors.size === 0 && found.errors.size === 0 };
}

/** See `PresenceRouter.usersSeenBy`. */
export async function usersSeenBy(parts: ReadSideParts, userId: string): Promise<SeenUsers> {
  const routed = await parts.interest(userId);
  if (routed === ALL_USERS) return { users: ALL_USERS, complete: true };
  const users = new Set<string>(routed);
  users.add(userId);
  const { members, complete } = await coMembersOf(parts, userId);
  for (const member of members) users.add(member);
  return { users, complete };
}

/** See `PresenceRouter.canSee`. */
export async function canSee(
  parts: ReadSideParts,
  viewer: string,
  target: string,
  targetState: UserPresenceState,
): Promise<Visibility> {
  if (viewer === target) return { visible: true, complete: true };
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
