/**
 * JSON paths for error messages: `$`, `$.users`, `$.users["@a:hs.example"]`, `$.rooms[0]`.
 * Keys that are plain identifiers are written with a dot, others quoted in brackets.
 *
 * @example
 * ```ts
 * jsonPath(['users', '@a:hs.example']); // '$.users["@a:hs.example"]'
 * ```
 * @module
 */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Formats a path of object keys and array indices from the root `$`. */
export function jsonPath(parts: readonly (string | number)[]): string {
  let out = '$';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (PLAIN_KEY.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
