/**
 * `GET /_matrix/federation/v1/query/presence_recipients?user_id=...` (unstable:
 * `/_matrix/federation/unstable/org.continuwuity.presence_v2.msc4495/query/presence_recipients`),
 * X-Matrix authenticated, not rate limited. A server that cannot follow a user's recipient
 * deltas (an unknown `prev_id` or `stream_id`) asks the user's server for the whole set;
 * the answer holds the user's current `stream_id` and the recipients **on the asking server**
 * only. `404` (`M_NOT_FOUND`, like the other query endpoints): the user has no recipient set
 * for the asking server. Until an answer arrives, the set is taken as empty.
 *
 * @example
 * ```ts
 * // on the user's server
 * const body = tracker.answerQuery('@john:matrix.org', 'example.com'); // undefined: 404
 * // on the asking server
 * const known = parseRecipientsQueryResponse(await response.json(), { serverName: 'example.com' });
 * ```
 * @module
 */
import { isValidUserId, serverNameOf } from '@presence-router/core';
import { SelectivePresenceError } from './errors.ts';
import { isJsonObject } from './internal/json-path.ts';

/** The 200 answer's body. */
export interface RecipientsQueryResponse {
  /** The user's current recipient set version. */
  readonly stream_id: number;
  /** The set's users on the asking server. */
  readonly recipients: readonly string[];
}

/** A remote user's recipient set as a receiving server holds it. */
export interface KnownRecipientSet {
  readonly streamId: number;
  /** The set's users on this server. */
  readonly recipients: ReadonlySet<string>;
}

/** Options of {@link parseRecipientsQueryResponse}. */
export interface RecipientsQueryParseOptions {
  /** This (the asking) server's name: recipients of other servers are dropped. */
  readonly serverName: string;
}

/**
 * The recipient set in a 200 answer. Throws `SelectivePresenceError('INVALID_RECIPIENTS_RESPONSE')`
 * when the body is not `{ stream_id: integer, recipients: [user IDs] }`; recipients of other
 * servers than `serverName` are dropped.
 */
export function parseRecipientsQueryResponse(
  body: unknown,
  options: RecipientsQueryParseOptions,
): KnownRecipientSet {
  const what = 'presence_recipients response';
  if (!isJsonObject(body)) {
    throw new SelectivePresenceError('INVALID_RECIPIENTS_RESPONSE', what, [
      { path: '$', message: 'the body is not a JSON object' },
    ]);
  }
  const issues = [];
  if (!Number.isSafeInteger(body.stream_id)) {
    issues.push({ path: '$.stream_id', message: 'stream_id must be an integer' });
  }
  const recipients = new Set<string>();
  if (!Array.isArray(body.recipients)) {
    issues.push({ path: '$.recipients', message: 'recipients must be an array of user IDs' });
  } else {
    body.recipients.forEach((userId: unknown, index) => {
      if (!isValidUserId(userId)) {
        issues.push({ path: `$.recipients[${index}]`, message: 'not a user ID' });
      } else if (serverNameOf(userId) === options.serverName) recipients.add(userId);
    });
  }
  if (issues.length > 0)
    throw new SelectivePresenceError('INVALID_RECIPIENTS_RESPONSE', what, issues);
  return { streamId: body.stream_id as number, recipients };
}
