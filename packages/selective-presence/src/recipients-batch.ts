/**
 * Recipient sets for a batch of presence updates: the entry point a server's write path and
 * the benchmarks call. The world is given as lookups (settings per user, joined rooms per
 * user with members and hints), so a caller can back them with caches; each distinct user of
 * the batch is computed once.
 *
 * @example
 * ```ts
 * const sets = selectiveRecipientsForBatch(['@alice:hs.example', '@bob:hs.example'], {
 *   serverName: 'hs.example',
 *   settingsOf: (userId) => settings.get(userId),
 *   roomsOf: (userId) => joinedRooms.get(userId) ?? [],
 * });
 * sets.get('@alice:hs.example'); // Set { ... }
 * ```
 * @module
 */
import type { JoinedRoomFacts } from './selective-recipients.ts';
import { selectiveRecipients } from './selective-recipients.ts';
import type { PresenceSharingSettings } from './sharing-settings.ts';

/** What the server knows, as lookups. */
export interface SelectivePresenceWorld {
  /** This server's name. */
  readonly serverName: string;
  /** A user's parsed `m.presence.sharing`, `undefined` when they have none. */
  settingsOf(userId: string): PresenceSharingSettings | undefined;
  /** The rooms a user is joined to, with members and hints. */
  roomsOf(userId: string): readonly JoinedRoomFacts[];
}

/** The recipient set of each distinct user of `userIds` (in first-seen order). */
export function selectiveRecipientsForBatch(
  userIds: Iterable<string>,
  world: SelectivePresenceWorld,
): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const userId of userIds) {
    if (result.has(userId)) continue;
    const settings = world.settingsOf(userId);
    const rooms = settings === undefined ? [] : world.roomsOf(userId);
    result.set(
      userId,
      selectiveRecipients(userId, settings, { serverName: world.serverName, rooms }),
    );
  }
  return result;
}
