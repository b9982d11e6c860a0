/**
 * How deep a JSON text nests, found by one linear scan of its brackets (strings skipped),
 * before anything recursive (`JSON.parse` is fine; `JSON.stringify` and deep copies of a
 * value 5,000 levels deep overflow the stack) touches it.
 *
 * @example
 * ```ts
 * exceedsJsonDepth('{"a":[[1]]}', 2); // true: depth 3
 * ```
 * @module
 */

/** The deepest nesting a request body or stored filter may have. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `text` nests objects and arrays deeper than `limit` (stops at the first excess). */
export function exceedsJsonDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
