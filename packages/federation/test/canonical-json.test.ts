import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonBytes, compareCodePoints } from '../src/canonical-json.ts';
import { FederationError } from '../src/errors.ts';
import { jsonObjectArbitrary, jsonValueArbitrary } from './fakes/json-arbitrary.ts';

/** Every example of the appendix's "Canonical JSON" section: input text -> canonical text. */
const SPEC_EXAMPLES: readonly (readonly [string, string])[] = [
  ['{}', '{}'],
  ['{\n    "one": 1,\n    "two": "Two"\n}', '{"one":1,"two":"Two"}'],
  ['{\n    "b": "2",\n    "a": "1"\n}', '{"a":"1","b":"2"}'],
  ['{"b":"2","a":"1"}', '{"a":"1","b":"2"}'],
  [
    `{
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                {
                    "medium": "email",
                    "address": "john.doe@example.org"
                },
                {
                    "medium": "msisdn",
                    "address": "123456789"
                }
            ]
        }
    }
}`,
    '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
  ],
  ['{\n    "a": "日本語"\n}', '{"a":"日本語"}'],
  ['{\n    "本": 2,\n    "日": 1\n}', '{"日":1,"本":2}'],
  ['{\n    "a": "\\u65E5"\n}', '{"a":"日"}'],
  ['{\n    "a": null\n}', '{"a":null}'],
  ['{\n    "a": -0,\n    "b": 1e10\n}', '{"a":0,"b":10000000000}'],
];

function refusal(value: unknown): FederationError {
  try {
    canonicalJson(value);
  } catch (error) {
    if (error instanceof FederationError) return error;
    throw error;
  }
  throw new Error('canonicalJson accepted the value');
}

describe('canonical JSON: the specification appendix examples', () => {
  it.each(SPEC_EXAMPLES)('%s', (input, expected) => {
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
    expect(new TextDecoder().decode(canonicalJsonBytes(JSON.parse(input)))).toBe(expected);
  });

  it('writes non-ASCII as UTF-8 bytes, not \\u escapes', () => {
    expect([...canonicalJsonBytes({ a: '日' })]).toEqual([
      0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe6, 0x97, 0xa5, 0x22, 0x7d,
    ]);
  });
});

describe('canonical JSON: key order is by Unicode code point', () => {
  it('puts an astral-plane key after a BMP key above the surrogate range', () => {
    // U+FB01 (ﬁ, one UTF-16 unit 0xFB01) < U+1F600 (😀, units 0xD83D 0xDE00) by code point,
    // but JavaScript's default sort compares units and would put 😀 first.
    const value = { '\u{1F600}': 2, '\uFB01': 1 };
    expect(Object.keys(value).sort()).toEqual(['\u{1F600}', '\uFB01']);
    expect(canonicalJson(value)).toBe('{"\uFB01":1,"\u{1F600}":2}');
  });

  it('orders keys as their UTF-8 bytes order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), (keys) => {
        const sorted = [...new Set(keys)].sort(compareCodePoints);
        const bytes = sorted.map((key) => [...new TextEncoder().encode(key)]);
        for (let i = 1; i < bytes.length; i++) {
          const a = bytes[i - 1]!;
          const b = bytes[i]!;
          let j = 0;
          while (j < a.length && j < b.length && a[j] === b[j]) j++;
          expect(j === a.length || (j < b.length && a[j]! < b[j]!)).toBe(true);
        }
      }),
    );
  });

  it('does not depend on the order keys were inserted in (property)', () => {
    fc.assert(
      fc.property(jsonObjectArbitrary, (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });

  it('round-trips through JSON.parse (property)', () => {
    fc.assert(
      fc.property(jsonValueArbitrary, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(value);
      }),
    );
  });
});

describe('canonical JSON: numbers and strings', () => {
  it('accepts the integer range ends and writes -0 as 0', () => {
    expect(canonicalJson([2 ** 53 - 1, -(2 ** 53) + 1, -0, 0])).toBe(
      '[9007199254740991,-9007199254740991,0,0]',
    );
  });

  it('escapes exactly what the grammar escapes', () => {
    expect(canonicalJson('"\\\b\f\n\r\t\u0000\u001f\u007f/\u2028')).toBe(
      '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\u007f/\u2028"',
    );
  });

  it.each([
    ['a float', 1.5, 'the float 1.5'],
    ['NaN', Number.NaN, 'the number NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'the number Infinity'],
    ['2**53', 2 ** 53, 'outside [-(2**53)+1, (2**53)-1]'],
    ['-(2**53)', -(2 ** 53), 'outside [-(2**53)+1, (2**53)-1]'],
    ['undefined', undefined, 'a value of type undefined'],
    ['a function', () => 1, 'a value of type function'],
    ['a symbol', Symbol('s'), 'a value of type symbol'],
    ['a bigint', 1n, 'a value of type bigint'],
    ['a Date', new Date(0), 'an instance of Date'],
    ['a Map', new Map(), 'an instance of Map'],
    ['a lone surrogate', '\uD800', 'a lone UTF-16 surrogate'],
  ])('refuses %s with INVALID_CANONICAL_JSON', (_name, value, message) => {
    const error = refusal({ outer: [value] });
    expect(error.code).toBe('INVALID_CANONICAL_JSON');
    expect(error.message).toContain(message);
    expect(error.path).toBe('$.outer[0]');
  });

  it('refuses a cycle, an array hole and a key with a lone surrogate', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(refusal(cyclic).message).toContain('a cycle at $.self');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(refusal([1, , 3]).message).toContain('an array hole at $[1]');
    expect(refusal({ '\uDC00': 1 }).message).toContain('a lone UTF-16 surrogate');
  });

  it('accepts the same value twice (a repeated object is not a cycle)', () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
  });
});
