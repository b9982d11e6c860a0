/**
 * Canonical JSON as the Matrix specification's appendix defines it: the shortest UTF-8 JSON
 * encoding, object keys sorted by Unicode code point, integers only in
 * `[-(2**53)+1, (2**53)-1]` without exponent or fraction, `-0` written as `0`, no floats.
 * Anything else (NaN, Infinity, fractions, unsafe integers, `undefined`, functions, symbols,
 * bigints, class instances, cycles, lone surrogates) is refused with a
 * `FederationError` of code `INVALID_CANONICAL_JSON` naming where it is.
 *
 * @example
 * ```ts
 * canonicalJson({ two: 'Two', one: 1 }); // '{"one":1,"two":"Two"}'
 * canonicalJsonBytes({ a: '日' });        // Uint8Array of the UTF-8 bytes
 * ```
 * @module
 */
import { FederationError } from './errors.ts';

/** A JSON value canonical JSON can encode. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Orders two strings by Unicode code point (which is also the order of their UTF-8 bytes).
 * JavaScript's default order compares UTF-16 code units, which puts an astral character
 * (a surrogate pair, 0xD800-0xDFFF) before BMP characters 0xE000-0xFFFF; this does not.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Maps a UTF-16 code unit so that surrogates (astral code points) rank above the BMP. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** The canonical JSON text of `value`; throws `INVALID_CANONICAL_JSON` for anything else. */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  try {
    write(value, '$', parts, new Set());
  } catch (error) {
    if (error instanceof RangeError) {
      throw new FederationError(
        'INVALID_CANONICAL_JSON',
        'Cannot encode canonical JSON: the value is nested too deeply',
        { path: '$', cause: error },
      );
    }
    throw error;
  }
  return parts.join('');
}

/** The UTF-8 bytes of {@link canonicalJson}. */
export function canonicalJsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(canonicalJson(value));
}

function refuse(path: string, what: string): never {
  throw new FederationError(
    'INVALID_CANONICAL_JSON',
    `Cannot encode canonical JSON: ${what} at ${path}`,
    { path },
  );
}

function writeString(text: string, path: string, parts: string[]): void {
  if (LONE_SURROGATE.test(text)) refuse(path, 'a string with a lone UTF-16 surrogate');
  // JSON.stringify escapes exactly what the grammar escapes: " \ \b \f \n \r \t and the other
  // control characters as \u00xx (lowercase hex); everything else is written as is.
  parts.push(JSON.stringify(text));
}

function write(value: unknown, path: string, parts: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      writeString(value, path, parts);
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `the number ${value}`);
      if (!Number.isInteger(value)) refuse(path, `the float ${value} (only integers are allowed)`);
      if (!Number.isSafeInteger(value)) {
        refuse(path, `the integer ${value} outside [-(2**53)+1, (2**53)-1]`);
      }
      parts.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'object':
      break;
    default:
      refuse(path, `a value of type ${typeof value}`);
  }
  if (value === null) {
    parts.push('null');
    return;
  }
  if (ancestors.has(value)) refuse(path, 'a cycle');
  ancestors.add(value);
  if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      if (!(i in value)) refuse(`${path}[${i}]`, 'an array hole');
      write(value[i], `${path}[${i}]`, parts, ancestors);
    }
    parts.push(']');
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      refuse(path, `an instance of ${(value as object).constructor?.name ?? 'a class'}`);
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort(compareCodePoints);
    parts.push('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const childPath = `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
      if (i > 0) parts.push(',');
      writeString(key, childPath, parts);
      parts.push(':');
      write(record[key], childPath, parts, ancestors);
    }
    parts.push('}');
  }
  ancestors.delete(value);
}
