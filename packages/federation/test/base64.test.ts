import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeUnpaddedBase64 } from '../src/base64.ts';
import { FederationError } from '../src/errors.ts';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('unpadded base64', () => {
  it.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes %j as the specification example %j, and back', (plain, encoded) => {
    expect(encodeUnpaddedBase64(new TextEncoder().encode(plain))).toBe(encoded);
    expect(text(decodeBase64(encoded))).toBe(plain);
  });

  it('decodes padded input too', () => {
    expect(text(decodeBase64('Zm9vYg=='))).toBe('foob');
    expect(text(decodeBase64('Zm9vYmE='))).toBe('fooba');
  });

  it.each([
    ['a character outside the alphabet', 'Zm9v-Y', 'is not a base64 character'],
    ['url-safe characters', 'Zm_v', 'is not a base64 character'],
    ['an impossible length', 'Zm9vY', 'length is impossible'],
    ['padding in the middle', 'Zg==Zg', 'is not a base64 character'],
  ])('refuses %s', (_name, input, message) => {
    expect(() => decodeBase64(input)).toThrow(FederationError);
    expect(() => decodeBase64(input)).toThrow(message);
  });

  it('ignores bits after the last byte, as Python does (the spec seed has some)', () => {
    expect(text(decodeBase64('Zh'))).toBe('f');
    expect(decodeBase64('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1').length).toBe(32);
  });

  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const encoded = encodeUnpaddedBase64(bytes);
        expect(encoded).not.toContain('=');
        expect([...decodeBase64(encoded)]).toEqual([...bytes]);
      }),
    );
  });
});
