/**
 * How long an HTTP response may be cached according to its `Cache-Control` and `Expires`
 * headers, read as Synapse reads them for `.well-known` responses.
 * @module
 */

/**
 * The cache period in milliseconds: 0 for `no-store` (or an invalid `Expires`), `max-age`
 * when given, else `Expires` minus `now`; `undefined` when the headers say nothing.
 */
export function cachePeriodFromHeaders(headers: Headers, now: number): number | undefined {
  const directives = new Map<string, string | undefined>();
  for (const directive of (headers.get('cache-control') ?? '').split(',')) {
    const [name, value] = directive.split('=', 2).map((part) => part.trim());
    if (name) directives.set(name.toLowerCase(), value);
  }
  if (directives.has('no-store')) return 0;
  const maxAge = directives.get('max-age');
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) return Number(maxAge) * 1000;
  const expires = headers.get('expires');
  if (expires !== null) {
    const at = Date.parse(expires);
    return Number.isNaN(at) ? 0 : Math.max(0, at - now);
  }
  return undefined;
}
