/**
 * Words for configuration values in error messages: "found a list", "found the string
 * \"yes please\"", so a person reading a `ConfigError` knows what the file actually holds.
 *
 * @example
 * ```ts
 * describeValue([1, 2]); // 'a list'
 * describeValue('x');    // 'the string "x"'
 * ```
 * @module
 */
import type { ConfigPath } from '../errors.ts';

/** Marks a value that is absent (a missing key or index), as opposed to YAML's `null`. */
export const ABSENT: unique symbol = Symbol('absent');

/** Describes a plain YAML value in a few words. */
export function describeValue(value: unknown): string {
  if (value === ABSENT || value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Map || (typeof value === 'object' && value !== null)) return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return value === '' ? 'an empty string' : `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'bigint') return `the number ${value}`;
  return `a ${typeof value}`;
}

/** Names zod's expected types in the words of a YAML file. */
export function describeExpectedType(expected: string): string {
  switch (expected) {
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'an empty value';
    default:
      return expected;
  }
}

/** The value at `path` inside `root`, or {@link ABSENT}. */
export function valueAtPath(root: unknown, path: ConfigPath): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') {
      if (part < 0 || part >= current.length) return ABSENT;
      current = current[part];
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      if (!Object.hasOwn(current, part)) return ABSENT;
      current = (current as Record<string, unknown>)[String(part)];
    } else {
      return ABSENT;
    }
  }
  return current;
}
