/**
 * Reads an HTTP response body with a size limit: stops reading (and cancels the stream) as
 * soon as more than the limit has arrived, so a runaway server cannot exhaust memory.
 *
 * @example
 * ```ts
 * const body = await readBodyWithLimit(response, 8 * 1024 * 1024);
 * if (body.tooLarge) console.warn(`gave up after ${body.receivedBytes} bytes`);
 * else JSON.parse(body.text);
 * ```
 * @module
 */

/** What {@link readBodyWithLimit} read. */
export type LimitedBody =
  | { readonly tooLarge: false; readonly text: string; readonly receivedBytes: number }
  | {
      readonly tooLarge: true;
      /** Bytes read before giving up, or the declared `Content-Length`. */
      readonly receivedBytes: number;
      /** Whether `Content-Length` alone announced the excess (nothing was read). */
      readonly declared: boolean;
    };

/** The body as UTF-8 text, unless it is longer than `maxBytes`. */
export async function readBodyWithLimit(
  response: Response,
  maxBytes: number,
): Promise<LimitedBody> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return { tooLarge: true, receivedBytes: declared, declared: true };
  }
  if (response.body === null) return { tooLarge: false, text: '', receivedBytes: 0 };
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => {});
      return { tooLarge: true, receivedBytes: received, declared: false };
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return { tooLarge: false, text: parts.join(''), receivedBytes: received };
}
