/**
 * The size limit on a YAML source: its length in bytes of UTF-8, and the position where it
 * goes past the limit, found without encoding the text.
 *
 * @example
 * ```ts
 * checkSourceSize(text, 512 * 1024, 'homeserver.yaml'); // throws YAML_TOO_LARGE when bigger
 * ```
 * @module
 */
import { ConfigError } from '../errors.ts';

/** The index of the first UTF-16 unit of `text` whose UTF-8 bytes go past `maxBytes`, or -1. */
function offsetPastBytes(text: string, maxBytes: number): number {
  // Every UTF-16 unit is 1 to 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
  if (text.length * 3 <= maxBytes) return -1;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      const paired = next >= 0xdc00 && next <= 0xdfff;
      bytes += paired ? 4 : 3;
      if (bytes > maxBytes) return i;
      if (paired) i++;
      continue;
    } else bytes += 3;
    if (bytes > maxBytes) return i;
  }
  return -1;
}

/** The 1-based line and column of `offset` in `text`. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Throws {@link ConfigError} `YAML_TOO_LARGE`, at the line and column where the text goes
 * past the limit, when `text` is more than `maxBytes` bytes of UTF-8.
 */
export function checkSourceSize(
  text: string,
  maxBytes: number,
  sourceName: string | undefined,
): void {
  const offset = offsetPastBytes(text, maxBytes);
  if (offset === -1) return;
  throw new ConfigError(
    'YAML_TOO_LARGE',
    `the configuration is larger than the limit of ${maxBytes} bytes (it goes past the limit here); raise limits.maxBytes to read a bigger file`,
    { path: [], ...positionOf(text, offset), sourceName },
  );
}
