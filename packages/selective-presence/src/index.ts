/**
 * `@presence-router/selective-presence`: MSC4495 "Selective Presence" for Matrix-style
 * servers. Each user decides who receives their presence (`m.presence.sharing` account data),
 * rooms hint whether their members may (`m.room.presence_sharing`), and servers tell each
 * other the recipients as deltas in `m.presence` EDUs. Pure: no I/O, no Node APIs, depends on
 * `@presence-router/core` alone; runs on Node, Deno and in browsers.
 *
 * @example
 * ```ts
 * import { parseSharingSettings, selectiveRecipients } from '@presence-router/selective-presence';
 *
 * const settings = parseSharingSettings({ share_locally: true, users: { '@mallory:hs.example': 'deny' } });
 * const recipients = selectiveRecipients('@alice:hs.example', settings, {
 *   serverName: 'hs.example',
 *   rooms: [{ roomId: '!lobby:hs.example', members: ['@alice:hs.example', '@bob:hs.example', '@mallory:hs.example'] }],
 * });
 * // Set { '@bob:hs.example' }
 * ```
 * @module
 */

/** The package's error, its codes and issues. */
export type { SelectivePresenceErrorCode, SelectivePresenceIssue } from './errors.ts';
export { SelectivePresenceError } from './errors.ts';
/** The receiving side: which local users get a remote user's update. */
export type { InboundDecision, InboundRecipientSetsOptions } from './inbound-recipients.ts';
export { applyRecipientFields, InboundRecipientSets } from './inbound-recipients.ts';
/** Names on the wire, stable and unstable. */
export {
  ACCOUNT_DATA_TYPES,
  CAPABILITY_NAMES,
  EDU_FIELD_NAMES,
  RECIPIENTS_QUERY_PATHS,
  ROOM_HINT_EVENT_TYPES,
  UNSTABLE_FEATURE,
} from './msc4495-names.ts';
/** `m.presence.prompted`, validated. */
export type { PromptedList } from './prompted-list.ts';
export { parsePromptedList } from './prompted-list.ts';
/** The facts of one user, gathered from a membership source and a hint source. */
export type { RecipientFactSources, RoomHintLookup } from './recipient-facts.ts';
export { gatherRecipientFacts } from './recipient-facts.ts';
/** The EDU entry fields `stream_id`, `prev_id`, `recipients`. */
export type { RecipientFieldNames, RecipientFields, RecipientsDelta } from './recipient-fields.ts';
export { readRecipientFields, recipientFieldsJson } from './recipient-fields.ts';
/** The sending side: per-(user, destination) deltas and the query answer. */
export type {
  RecipientSetChange,
  RecipientStreamTrackerOptions,
} from './recipient-stream-tracker.ts';
export { RecipientStreamTracker } from './recipient-stream-tracker.ts';
/** Recipient sets of a batch of updates (the benchmarks' entry). */
export type { SelectivePresenceWorld } from './recipients-batch.ts';
export { selectiveRecipientsForBatch } from './recipients-batch.ts';
/** The `presence_recipients` query's answer. */
export type {
  KnownRecipientSet,
  RecipientsQueryParseOptions,
  RecipientsQueryResponse,
} from './recipients-query.ts';
export { parseRecipientsQueryResponse } from './recipients-query.ts';
/** The room hint. */
export type { PresenceSharingHint } from './room-hint.ts';
export { presenceSharingHintOf } from './room-hint.ts';
/** The five-step recipient set, and its explanation. */
export type {
  JoinedRoomFacts,
  RecipientExplanation,
  RecipientFacts,
  RecipientRule,
  RecipientStep,
  RecipientVerdict,
  RoomVerdict,
} from './selective-recipients.ts';
export { explainSelectiveRecipients, selectiveRecipients } from './selective-recipients.ts';
/** `m.presence.sharing`, validated. */
export type {
  PresenceSharingSettings,
  SharingSettingsLimits,
  UserSharing,
} from './sharing-settings.ts';
export { parseSharingSettings } from './sharing-settings.ts';
