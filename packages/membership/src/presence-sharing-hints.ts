/**
 * Room hints of MSC4495 "Selective Presence": the `m.room.presence_sharing` state event
 * (state key `""`, unstable type `org.continuwuity.presence_v2.msc4495.room.presence_sharing`)
 * whose `presence_sharing` is `"suggest"` or `"forbid"`. A source that can read room state
 * implements the optional {@link PresenceSharingHintSource}; sources without it still compile
 * and work as before. `@presence-router/selective-presence` takes the hints as they come.
 *
 * Every requested room has an answer: `suggest` only when the room's current state holds a
 * hint event saying so; `forbid` otherwise (no event, other content, a redacted event, a
 * room the source does not know). When a room has both the stable and the unstable event and
 * they disagree, `forbid` wins.
 *
 * @example
 * ```ts
 * import { isPresenceSharingHintSource } from '@presence-router/membership';
 *
 * if (isPresenceSharingHintSource(source)) {
 *   const hints = await source.getPresenceSharingHints(['!team:hs.example']);
 *   hints.get('!team:hs.example'); // 'suggest' or 'forbid'
 * }
 * ```
 * @module
 */

/** A room's hint: whether its members may receive presence through it. */
export type PresenceSharingHint = 'suggest' | 'forbid';

/** The hint event types: stable, then MSC4495's unstable one. */
export const PRESENCE_SHARING_EVENT_TYPES: readonly string[] = Object.freeze([
  'm.room.presence_sharing',
  'org.continuwuity.presence_v2.msc4495.room.presence_sharing',
]);

/** An optional extension of `MembershipSource`: the rooms' presence sharing hints. */
export interface PresenceSharingHintSource {
  getPresenceSharingHints(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, PresenceSharingHint>>;
}

/** Whether `source` implements {@link PresenceSharingHintSource}. */
export function isPresenceSharingHintSource(source: unknown): source is PresenceSharingHintSource {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as { getPresenceSharingHints?: unknown }).getPresenceSharingHints === 'function'
  );
}
