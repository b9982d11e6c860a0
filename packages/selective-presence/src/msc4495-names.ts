/**
 * The names MSC4495 "Selective Presence" gives things on the wire, stable and unstable
 * (prefix `org.continuwuity.presence_v2.msc4495`), from the proposal's "Unstable prefix"
 * table. Until the proposal is merged, servers advertise {@link UNSTABLE_FEATURE} in
 * `GET /_matrix/client/versions` `unstable_features` and serve the unstable endpoint.
 *
 * @example
 * ```ts
 * const versions = { versions: ['v1.11'], unstable_features: { [UNSTABLE_FEATURE]: true } };
 * ACCOUNT_DATA_TYPES.sharing; // ['m.presence.sharing', 'org.continuwuity.presence_v2.msc4495.presence.sharing']
 * ```
 * @module
 */

/** The unstable prefix, and the `unstable_features` flag of `GET /_matrix/client/versions`. */
export const UNSTABLE_FEATURE = 'org.continuwuity.presence_v2.msc4495';

/** Account data and state event types, stable name first. */
export const ACCOUNT_DATA_TYPES = Object.freeze({
  /** The user's sharing settings (`share_locally`, `users`, `rooms`, `servers`). */
  sharing: Object.freeze(['m.presence.sharing', `${UNSTABLE_FEATURE}.presence.sharing`] as const),
  /** Prompts the user answered (`users`, `rooms` lists); stored and returned as is. */
  prompted: Object.freeze([
    'm.presence.prompted',
    `${UNSTABLE_FEATURE}.presence.prompted`,
  ] as const),
});

/** The room hint state event type (state key `""`), stable name first. */
export const ROOM_HINT_EVENT_TYPES = Object.freeze([
  'm.room.presence_sharing',
  `${UNSTABLE_FEATURE}.room.presence_sharing`,
] as const);

/** The client-server capability (`GET /_matrix/client/v3/capabilities`), stable name first. */
export const CAPABILITY_NAMES = Object.freeze([
  'm.selective_presence',
  `${UNSTABLE_FEATURE}.selective_presence`,
] as const);

/** Field names of an `m.presence` EDU entry, stable and unstable. */
export const EDU_FIELD_NAMES = Object.freeze({
  stable: Object.freeze({ recipients: 'recipients', streamId: 'stream_id', prevId: 'prev_id' }),
  unstable: Object.freeze({
    recipients: `${UNSTABLE_FEATURE}.recipients`,
    streamId: `${UNSTABLE_FEATURE}.stream_id`,
    prevId: `${UNSTABLE_FEATURE}.prev_id`,
  }),
});

/** The federation query of a user's recipient set (`?user_id=`), stable and unstable paths. */
export const RECIPIENTS_QUERY_PATHS = Object.freeze({
  stable: '/_matrix/federation/v1/query/presence_recipients',
  unstable: `/_matrix/federation/unstable/${UNSTABLE_FEATURE}/query/presence_recipients`,
});
