/**
 * The raw HTTP response for a request Node's parser refused before any route saw it, as
 * Matrix JSON: `431 M_TOO_LARGE` for oversized headers, `408` for a request that timed out,
 * `400 M_UNRECOGNIZED` for anything else (bad method, malformed request line or header).
 *
 * @example
 * ```ts
 * socket.end(parserRejection('HPE_HEADER_OVERFLOW')); // "HTTP/1.1 431 ...\r\n\r\n{...}"
 * ```
 * @module
 */

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The response bytes for parser error `code` (Node's `HPE_*` codes). */
export function parserRejection(code: string | undefined): string {
  const [status, errcode, message] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'M_TOO_LARGE', 'Request headers too large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'M_UNKNOWN', 'Request timed out']
        : [400, 'M_UNRECOGNIZED', 'Malformed HTTP request'];
  const body = JSON.stringify({ errcode, error: message });
  return [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    'Content-Type: application/json',
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
