/**
 * Unpadded base64 (RFC 4648's standard alphabet without `=`), which Matrix uses for keys
 * and signatures. Decoding accepts input with or without padding, as the specification
 * asks, and refuses anything else: other characters or an impossible length. Bits after the
 * last byte are ignored, as Python's decoder (and so Synapse) ignores them: the
 * specification's own test seed `YJDBA9...XA1` has non-zero trailing bits.
 *
 * @example
 * ```ts
 * encodeUnpaddedBase64(new TextEncoder().encode('foob')); // 'Zm9vYg'
 * decodeBase64('Zm9vYg==');                               // the bytes of 'foob'
 * ```
 * @module
 */
import { FederationError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((char, index) => [char.charCodeAt(0), index]));

/** Encodes bytes as unpadded standard base64. */
export function encodeUnpaddedBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
    out += ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes standard base64, padded or not; throws `INVALID_BASE64` for anything else. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  let end = text.length;
  if (end % 4 === 0 && text.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && text.endsWith('=')) end -= 1;
  if (end % 4 === 1) throw invalid(text, 'its length is impossible for base64');
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let i = 0; i < end; i++) {
    const value = VALUES.get(text.charCodeAt(i));
    if (value === undefined) {
      throw invalid(text, `${JSON.stringify(text[i])} at offset ${i} is not a base64 character`);
    }
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (buffer >> bits) & 0xff;
      buffer &= (1 << bits) - 1;
    }
  }
  return out;
}

function invalid(text: string, reason: string): FederationError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return new FederationError(
    'INVALID_BASE64',
    `Invalid base64 ${JSON.stringify(shown)}: ${reason}`,
  );
}
