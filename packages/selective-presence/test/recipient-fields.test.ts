import { describe, expect, it } from 'vitest';
import {
  parseRecipientsQueryResponse,
  readRecipientFields,
  recipientFieldsJson,
  SelectivePresenceError,
} from '../src/index.ts';

const P = 'org.continuwuity.presence_v2.msc4495';

describe('recipientFieldsJson', () => {
  const fields = { streamId: 2, prevId: 1, recipients: { add: ['@a:x.example'], delete: [] } };

  it('writes the plain names by default', () => {
    expect(recipientFieldsJson(fields)).toEqual({
      stream_id: 2,
      prev_id: 1,
      recipients: { add: ['@a:x.example'], delete: [] },
    });
  });

  it('writes the unstable names on request', () => {
    expect(recipientFieldsJson(fields, 'unstable')).toEqual({
      [`${P}.stream_id`]: 2,
      [`${P}.prev_id`]: 1,
      [`${P}.recipients`]: { add: ['@a:x.example'], delete: [] },
    });
  });

  it('writes nothing for absent fields', () => {
    expect(recipientFieldsJson({ streamId: 5 })).toEqual({ stream_id: 5 });
    expect(recipientFieldsJson({})).toEqual({});
  });
});

describe('readRecipientFields', () => {
  it('reads what recipientFieldsJson wrote, under both names', () => {
    const fields = {
      streamId: 9,
      prevId: 3,
      recipients: { add: ['@a:x.example'], delete: ['@b:x.example'] },
    };
    expect(readRecipientFields(recipientFieldsJson(fields))).toEqual(fields);
    expect(readRecipientFields(recipientFieldsJson(fields, 'unstable'))).toEqual(fields);
  });

  it('a legacy entry has no fields', () => {
    expect(readRecipientFields({ user_id: '@j:m.example', presence: 'online' })).toEqual({});
  });

  it('accepts `del` (the proposal example) as well as `delete`', () => {
    expect(
      readRecipientFields({
        stream_id: 1,
        prev_id: 0,
        recipients: { add: [], del: ['@g:x.example'] },
      }),
    ).toEqual({ streamId: 1, prevId: 0, recipients: { add: [], delete: ['@g:x.example'] } });
  });

  it('the plain name wins over the unstable one', () => {
    expect(readRecipientFields({ stream_id: 1, [`${P}.stream_id`]: 2 })).toEqual({ streamId: 1 });
  });

  it('drops list entries that are not user IDs; missing lists are empty', () => {
    expect(
      readRecipientFields({ stream_id: 1, recipients: { add: ['@a:x.example', 'nope', 3] } }),
    ).toEqual({
      streamId: 1,
      recipients: { add: ['@a:x.example'], delete: [] },
    });
  });

  it.each([
    [{ stream_id: '1' }, /stream_id is not an integer/],
    [{ stream_id: 1.5 }, /stream_id is not an integer/],
    [{ stream_id: 1, prev_id: null }, /prev_id is not an integer/],
    [{ recipients: { add: [] } }, /need a stream_id/],
    [{ prev_id: 1 }, /need a stream_id/],
    [{ stream_id: 1, recipients: [] }, /recipients is not an object/],
    [{ stream_id: 1, recipients: { add: '@a:x.example' } }, /recipients.add is not an array/],
    [{ stream_id: 1, recipients: { delete: {} } }, /recipients.delete is not an array/],
  ])('refuses %j', (entry, reason) => {
    expect(readRecipientFields(entry)).toMatch(reason);
  });
});

describe('parseRecipientsQueryResponse', () => {
  it("reads the proposal's sample, keeping the asking server's users only", () => {
    const known = parseRecipientsQueryResponse(
      {
        stream_id: 1,
        recipients: ['@jesse:example.com', '@jane:example.com', '@eve:other.example'],
      },
      { serverName: 'example.com' },
    );
    expect(known.streamId).toBe(1);
    expect([...known.recipients]).toEqual(['@jesse:example.com', '@jane:example.com']);
  });

  it('refuses a malformed answer, listing every problem (INVALID_RECIPIENTS_RESPONSE)', () => {
    let error: unknown;
    try {
      parseRecipientsQueryResponse(
        { stream_id: 'x', recipients: ['@ok:e.example', 'bad'] },
        {
          serverName: 'e.example',
        },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelectivePresenceError);
    expect((error as SelectivePresenceError).code).toBe('INVALID_RECIPIENTS_RESPONSE');
    expect((error as SelectivePresenceError).issues.map((issue) => issue.path)).toEqual([
      '$.stream_id',
      '$.recipients[1]',
    ]);
  });

  it.each([[null], [[]], [{ stream_id: 1 }]])('refuses %j', (body) => {
    expect(() => parseRecipientsQueryResponse(body, { serverName: 'e.example' })).toThrow(
      SelectivePresenceError,
    );
  });
});
