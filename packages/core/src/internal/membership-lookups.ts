/**
 * How the router asks a {@link MembershipSource} during a fan-out: per key, never failing
 * the whole batch. Settled sources answer per key; a plain source's rejection fails every key
 * of that call; keys the caller marks as failing are not looked up at all.
 *
 * @example
 * ```ts
 * const { found, errors } = await lookUpMembers(source, ['!a:hs', '!b:hs'], skipped);
 * ```
 * @module
 */
import { MembershipLookupError } from '../errors.ts';
import {
  isSettledMembershipSource,
  type MembershipSource,
  type SettledLookup,
} from '../membership-source.ts';

import type { KnownFailing } from '../presence-router.ts';

const NOTHING_FAILS: KnownFailing = { has: () => false };

type What = 'members' | 'rooms';

/** Joined members of `roomIds`, per room. */
export function lookUpMembers(
  source: MembershipSource,
  roomIds: readonly string[],
  skip: KnownFailing = NOTHING_FAILS,
): Promise<SettledLookup> {
  return lookUp(source, 'members', roomIds, skip);
}

/** Rooms of `userIds`, per user. */
export function lookUpRooms(
  source: MembershipSource,
  userIds: readonly string[],
  skip: KnownFailing = NOTHING_FAILS,
): Promise<SettledLookup> {
  return lookUp(source, 'rooms', userIds, skip);
}

async function lookUp(
  source: MembershipSource,
  what: What,
  ids: readonly string[],
  skip: KnownFailing,
): Promise<SettledLookup> {
  const errors = new Map<string, Error>();
  let asked = ids;
  if (skip !== NOTHING_FAILS) {
    asked = [];
    for (const id of ids) {
      if (skip.has(id)) errors.set(id, skippedError(what, id));
      else (asked as string[]).push(id);
    }
  }
  if (asked.length === 0) return { found: new Map(), errors };
  try {
    if (isSettledMembershipSource(source)) {
      const settled =
        what === 'members'
          ? await source.getJoinedMembersSettled(asked)
          : await source.getRoomsForUsersSettled(asked);
      if (errors.size === 0) return settled;
      for (const [id, error] of settled.errors) errors.set(id, error);
      return { found: settled.found, errors };
    }
    const found =
      what === 'members'
        ? await source.getJoinedMembers(asked)
        : await source.getRoomsForUsers(asked);
    return { found, errors };
  } catch (cause) {
    const error = new MembershipLookupError(what, asked, cause);
    for (const id of asked) errors.set(id, error);
    return { found: new Map(), errors };
  }
}

function skippedError(what: What, id: string): MembershipLookupError {
  return new MembershipLookupError(
    what,
    [id],
    'not looked up: it is failing and waiting for a retry',
    'LOOKUP_SKIPPED',
  );
}
