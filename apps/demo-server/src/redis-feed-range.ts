/**
 * `readRange` of the Redis store: the feed entries with `after < seq <= through`, page by
 * page with `XRANGE`. Each page is read in one `MULTI` with the counter and the feed's
 * oldest entry, so trimming between pages is noticed: when the oldest entry left is beyond
 * the next `seq` wanted, the range is `'trimmed'` (the entries in between are gone).
 *
 * @example
 * ```ts
 * const outcome = await readFeedRange(client, keys, 500, 10, 20, (entries) => { apply(entries); return true; });
 * ```
 * @module
 */
import type { Redis } from 'ioredis';
import type { ChangeEntry } from './presence-store.ts';
import { storeUnavailable } from './redis-client.ts';
import { decodeFeedEntry, type RawFeedEntry } from './redis-entries.ts';
import { feedId, type RedisKeys, seqOfFeedId } from './redis-keys.ts';

/** One page: the counter, the oldest entry's `seq` (undefined: empty feed), the entries. */
async function readPage(
  client: Redis,
  keys: RedisKeys,
  from: number,
  through: number,
  pageSize: number,
): Promise<{ latest: number; oldest: number | undefined; page: RawFeedEntry[] }> {
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await client
      .multi()
      .get(keys.counter)
      .xrange(keys.feed, '-', '+', 'COUNT', 1)
      .xrange(keys.feed, feedId(from), String(through), 'COUNT', pageSize)
      .exec();
  } catch (error) {
    throw storeUnavailable(error, 'reading the feed');
  }
  if (replies === null)
    throw storeUnavailable(new Error('transaction aborted'), 'reading the feed');
  for (const [error] of replies) if (error) throw storeUnavailable(error, 'reading the feed');
  const [counter, oldest, page] = replies.map(([, reply]) => reply) as [
    string | null,
    RawFeedEntry[],
    RawFeedEntry[],
  ];
  const first = oldest[0];
  return {
    latest: Number(counter ?? 0),
    oldest: first === undefined ? undefined : seqOfFeedId(first[0]),
    page,
  };
}

/** Reads `after < seq <= through` into `visit`; see the module documentation. */
export async function readFeedRange(
  client: Redis,
  keys: RedisKeys,
  pageSize: number,
  after: number,
  through: number,
  visit: (entries: readonly ChangeEntry[]) => boolean | undefined,
): Promise<'complete' | 'trimmed'> {
  let cursor = after;
  for (;;) {
    if (cursor >= through) return 'complete';
    const { latest, oldest, page } = await readPage(client, keys, cursor + 1, through, pageSize);
    if (cursor >= Math.min(through, latest)) return 'complete';
    if (oldest === undefined || oldest > cursor + 1) return 'trimmed';
    if (page.length === 0) return 'complete';
    const entries: ChangeEntry[] = [];
    for (const [id, fields] of page) {
      const entry = decodeFeedEntry(id, fields);
      if (entry !== undefined) entries.push(entry);
    }
    if (entries.length > 0 && visit(entries) === false) return 'complete';
    cursor = seqOfFeedId(page[page.length - 1]![0]);
    if (page.length < pageSize) return 'complete';
  }
}
