import { describe, expect, it } from 'vitest';
import { utf8ByteLength } from '../src/identifiers.ts';
import {
  assertRoomId,
  assertServerName,
  assertUserId,
  InvalidIdentifierError,
  isValidRoomId,
  isValidUserId,
  serverNameOf,
} from '../src/index.ts';

describe('user IDs', () => {
  it.each([
    '@alice:example.org',
    '@a.b_c=d-e/f+g:hs.example',
    '@alice:hs.example:8448',
    '@alice:127.0.0.1',
    '@alice:127.0.0.1:8008',
    '@alice:[::1]',
    '@alice:[2001:db8::1]:8448',
    '@Alice:example.org', // historical: upper case
    '@al!ce:example.org', // historical: punctuation
  ])('accepts %s', (id) => {
    expect(isValidUserId(id)).toBe(true);
  });

  it.each([
    ['alice:example.org', /starts with "@"/],
    ['@alice', /@localpart:server_name/],
    ['@:example.org', /localpart is empty/],
    ['@alice:', /server name is empty/],
    ['@alice:exa mple.org', /host/],
    ['@alice:hs.example:99999', /port/],
    ['@alice:hs.example:abc', /port|host/],
    ['@alice:[::1', /closing/],
    [`@${'a'.repeat(250)}:hs.example`, /255 bytes/],
  ])('rejects %s', (id, reason) => {
    expect(isValidUserId(id)).toBe(false);
    expect(() => assertUserId(id)).toThrow(reason);
  });

  it('strict mode accepts only the current localpart grammar', () => {
    expect(isValidUserId('@alice_1=x/y+z.q-r:hs', { strict: true })).toBe(true);
    expect(isValidUserId('@Alice:hs', { strict: true })).toBe(false);
    expect(isValidUserId('@al!ce:hs', { strict: true })).toBe(false);
  });

  it('counts the 255-byte limit in UTF-8 bytes', () => {
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
    expect(isValidUserId(`@${'é'.repeat(126)}:h`)).toBe(true); // 1 + 252 + 2 = 255 bytes
    const tooLong = `@${'é'.repeat(127)}:h`; // 257 bytes in 130 UTF-16 code units
    expect(tooLong.length).toBeLessThan(255);
    expect(isValidUserId(tooLong)).toBe(false);
  });

  it('errors carry code and identifier', () => {
    try {
      assertUserId('nope');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidIdentifierError);
      expect((error as InvalidIdentifierError).code).toBe('INVALID_USER_ID');
      expect((error as InvalidIdentifierError).identifier).toBe('nope');
      expect((error as Error).name).toBe('InvalidIdentifierError');
    }
  });
});

describe('room IDs', () => {
  it('treats room IDs as opaque beyond the sigil (room version 12 has no server part)', () => {
    expect(isValidRoomId('!abc:hs.example')).toBe(true);
    expect(isValidRoomId('!abcDEF123_-')).toBe(true);
    expect(isValidRoomId('!x')).toBe(true);
  });

  it('rejects other strings', () => {
    expect(isValidRoomId('#alias:hs')).toBe(false);
    expect(isValidRoomId('!')).toBe(false);
    expect(isValidRoomId(`!${'a'.repeat(255)}`)).toBe(false);
    expect(isValidRoomId(42)).toBe(false);
    expect(() => assertRoomId('room')).toThrow(/starts with "!"/);
  });
});

describe('serverNameOf', () => {
  it('is everything after the first colon', () => {
    expect(serverNameOf('@alice:hs.example')).toBe('hs.example');
    expect(serverNameOf('@alice:hs.example:8448')).toBe('hs.example:8448');
    expect(serverNameOf('!room:hs.example')).toBe('hs.example');
    expect(serverNameOf('!opaque12')).toBeUndefined();
  });

  it('validates server names', () => {
    expect(assertServerName('hs.example:8448')).toBe('hs.example:8448');
    expect(() => assertServerName('hs example')).toThrow(InvalidIdentifierError);
  });
});
