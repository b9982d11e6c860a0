/**
 * Gathers the {@link RecipientFacts} of one user from a core `MembershipSource` and,
 * optionally, a source of room hints (`@presence-router/membership`'s sources implement
 * `getPresenceSharingHints`). It asks only what the user's settings need: nothing without
 * settings; hints only of the allowed rooms the user is joined to; members of every joined
 * room only with `share_locally` or allowed users (steps 3 and 4), else of the allowed rooms.
 * Without a hint source every room counts as `forbid`.
 *
 * @example
 * ```ts
 * const facts = await gatherRecipientFacts('@alice:hs.example', settings, {
 *   serverName: 'hs.example',
 *   membership, // e.g. a CachedMembership over SynapseSqlMembership
 *   hints: membership, // anything with getPresenceSharingHints
 * });
 * const recipients = selectiveRecipients('@alice:hs.example', settings, facts);
 * ```
 * @module
 */
import type { MembershipSource } from '@presence-router/core';
import type { PresenceSharingHint } from './room-hint.ts';
import type { JoinedRoomFacts, RecipientFacts } from './selective-recipients.ts';
import type { PresenceSharingSettings } from './sharing-settings.ts';

/** Anything that answers rooms' hints (every requested room, `forbid` by default). */
export interface RoomHintLookup {
  getPresenceSharingHints(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, PresenceSharingHint>>;
}

/** Where {@link gatherRecipientFacts} looks. */
export interface RecipientFactSources {
  readonly serverName: string;
  readonly membership: MembershipSource;
  /** Room hints; without it no room suggests sharing. */
  readonly hints?: RoomHintLookup;
}

/** The facts `selectiveRecipients` needs for `userId` with `settings`. */
export async function gatherRecipientFacts(
  userId: string,
  settings: PresenceSharingSettings | undefined,
  sources: RecipientFactSources,
): Promise<RecipientFacts> {
  const { serverName, membership, hints } = sources;
  if (settings === undefined) return { serverName, rooms: [] };
  const joined = (await membership.getRoomsForUsers([userId])).get(userId) ?? [];
  const allowed = joined.filter((roomId) => settings.allowedRooms.has(roomId));
  const needsAllMembers =
    settings.shareLocally || [...settings.users.values()].some((sharing) => sharing === 'allow');
  const hintOf =
    hints !== undefined && allowed.length > 0
      ? await hints.getPresenceSharingHints(allowed)
      : new Map<string, PresenceSharingHint>();
  const suggesting = allowed.filter((roomId) => hintOf.get(roomId) === 'suggest');
  const wanted = needsAllMembers ? joined : suggesting;
  const members = wanted.length > 0 ? await membership.getJoinedMembers(wanted) : new Map();
  const rooms: JoinedRoomFacts[] = [];
  for (const roomId of wanted) {
    const list = members.get(roomId);
    if (list !== undefined) rooms.push({ roomId, members: list, hint: hintOf.get(roomId) });
  }
  return { serverName, rooms };
}
