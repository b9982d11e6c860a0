/**
 * The room hint of MSC4495: the `m.room.presence_sharing` state event (state key `""`) whose
 * `presence_sharing` is `"suggest"` or `"forbid"`. A room without the event, or with any other
 * content, is `"forbid"`: its members are never recipients through the room, even when the
 * user allows it.
 *
 * @example
 * ```ts
 * presenceSharingHintOf({ presence_sharing: 'suggest' }); // 'suggest'
 * presenceSharingHintOf(undefined); // 'forbid' (no event)
 * presenceSharingHintOf({ presence_sharing: 'yes' }); // 'forbid'
 * ```
 * @module
 */
import { isJsonObject } from './internal/json-path.ts';

/** A room's hint: whether its members may receive presence through it. */
export type PresenceSharingHint = 'suggest' | 'forbid';

/** The hint a room's `m.room.presence_sharing` content gives (`undefined`: no event). */
export function presenceSharingHintOf(content: unknown): PresenceSharingHint {
  return isJsonObject(content) && content.presence_sharing === 'suggest' ? 'suggest' : 'forbid';
}
