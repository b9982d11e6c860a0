/**
 * The MSC4495 fields of an `m.presence` EDU entry (one `push` element): `stream_id` (the
 * sender's recipient set version), `prev_id` (the version the destination is expected to
 * hold) and `recipients` (`{ add, delete }`: the destination's users added to and removed from
 * the set). {@link recipientFieldsJson} writes them, {@link readRecipientFields} reads them.
 *
 * Names on the wire: the proposal's table gives unstable names
 * (`org.continuwuity.presence_v2.msc4495.stream_id`, ...), while the implementations built on
 * Ruma (Continuwuity, Palpo) send the plain names. Writing uses the plain names unless asked
 * for `'unstable'`; reading accepts both (the plain name wins when both are present), and in
 * `recipients` both `delete` (the proposal's text) and `del` (its first example).
 *
 * @example
 * ```ts
 * const entry = { ...presencePush(state, now), ...recipientFieldsJson({ streamId: 2, prevId: 1, recipients: { add: ['@a:remote.example'], delete: [] } }) };
 * readRecipientFields(entry); // { streamId: 2, prevId: 1, recipients: { add: ['@a:remote.example'], delete: [] } }
 * ```
 * @module
 */
import { isValidUserId } from '@presence-router/core';
import { isJsonObject } from './internal/json-path.ts';
import { EDU_FIELD_NAMES } from './msc4495-names.ts';

/** Users added to and removed from a recipient set, for one destination. */
export interface RecipientsDelta {
  readonly add: readonly string[];
  readonly delete: readonly string[];
}

/** The MSC4495 fields of one EDU entry; all absent in a legacy (pre-MSC4495) entry. */
export interface RecipientFields {
  readonly streamId?: number;
  readonly prevId?: number;
  readonly recipients?: RecipientsDelta;
}

/** Which field names to write: the plain ones (default) or the unstable-prefixed ones. */
export type RecipientFieldNames = 'stable' | 'unstable';

/** The JSON fields to merge into an EDU entry (nothing for absent fields). */
export function recipientFieldsJson(
  fields: RecipientFields,
  names: RecipientFieldNames = 'stable',
): Record<string, unknown> {
  const key = EDU_FIELD_NAMES[names];
  const json: Record<string, unknown> = {};
  if (fields.recipients !== undefined) {
    json[key.recipients] = {
      add: [...fields.recipients.add],
      delete: [...fields.recipients.delete],
    };
  }
  if (fields.streamId !== undefined) json[key.streamId] = fields.streamId;
  if (fields.prevId !== undefined) json[key.prevId] = fields.prevId;
  return json;
}

function field(entry: Record<string, unknown>, name: 'recipients' | 'streamId' | 'prevId') {
  const stable = entry[EDU_FIELD_NAMES.stable[name]];
  return stable !== undefined ? stable : entry[EDU_FIELD_NAMES.unstable[name]];
}

function readIdList(value: unknown, name: string): string[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return `recipients.${name} is not an array`;
  // IDs that are not user IDs can receive nothing: they are dropped, not an error.
  return value.filter((id): id is string => isValidUserId(id));
}

/**
 * The MSC4495 fields of an EDU entry, or a string saying why they are malformed (a
 * `stream_id` that is not an integer, `recipients` that is not `{add, delete}` lists, or
 * `recipients` / `prev_id` without `stream_id`). Entries in the lists that are not user IDs
 * are dropped.
 */
export function readRecipientFields(entry: Record<string, unknown>): RecipientFields | string {
  const streamId = field(entry, 'streamId');
  const prevId = field(entry, 'prevId');
  const recipients = field(entry, 'recipients');
  if (streamId !== undefined && !Number.isSafeInteger(streamId)) {
    return 'stream_id is not an integer';
  }
  if (prevId !== undefined && !Number.isSafeInteger(prevId)) return 'prev_id is not an integer';
  if (streamId === undefined && (prevId !== undefined || recipients !== undefined)) {
    return 'recipients and prev_id need a stream_id';
  }
  const fields: { streamId?: number; prevId?: number; recipients?: RecipientsDelta } = {};
  if (streamId !== undefined) fields.streamId = streamId as number;
  if (prevId !== undefined) fields.prevId = prevId as number;
  if (recipients !== undefined) {
    if (!isJsonObject(recipients)) return 'recipients is not an object';
    const add = readIdList(recipients.add, 'add');
    const removed = readIdList(
      recipients.delete !== undefined ? recipients.delete : recipients.del,
      'delete',
    );
    if (typeof add === 'string') return add;
    if (typeof removed === 'string') return removed;
    fields.recipients = { add, delete: removed };
  }
  return fields;
}
