/**
 * Reading a hint event's content: `suggest` only for `{"presence_sharing": "suggest"}`;
 * anything else (another value, no content, JSON that does not parse) is `forbid`.
 *
 * @example
 * ```ts
 * hintOfEventJson('{"type":"m.room.presence_sharing","content":{"presence_sharing":"suggest"}}'); // 'suggest'
 * ```
 * @module
 */
import type { PresenceSharingHint } from '../presence-sharing-hints.ts';

/** The hint a hint event's `content` gives. */
export function hintOfContent(content: unknown): PresenceSharingHint {
  return typeof content === 'object' &&
    content !== null &&
    (content as { presence_sharing?: unknown }).presence_sharing === 'suggest'
    ? 'suggest'
    : 'forbid';
}

/** The hint of a whole event as Synapse stores it (`event_json.json`). */
export function hintOfEventJson(json: unknown): PresenceSharingHint {
  if (typeof json !== 'string') return 'forbid';
  try {
    return hintOfContent((JSON.parse(json) as { content?: unknown } | null)?.content);
  } catch {
    return 'forbid';
  }
}

/** Both hints combined: `suggest` only when neither forbids. */
export function combineHints(
  a: PresenceSharingHint | undefined,
  b: PresenceSharingHint,
): PresenceSharingHint {
  return a === 'forbid' || b === 'forbid' ? 'forbid' : 'suggest';
}
