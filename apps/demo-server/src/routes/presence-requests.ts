/**
 * The two hot client-server requests, independent of the HTTP layer: `PUT
 * /presence/{userId}/status` and `GET /sync`. The Hono routes (`client-server.ts`) and the
 * Node fast path (`node-hot-routes.ts`) both call these, so both answer exactly alike.
 *
 * @example
 * ```ts
 * const body = await syncRequest(ctx, request, signal); // { next_batch, presence, ... }
 * await putPresenceRequest(ctx, request, '@alice:hs', () => readBody());
 * ```
 * @module
 */
import { PRESENCE_STATES, type PresenceStateName } from '@presence-router/core';
import type { AppContext } from '../app-context.ts';
import type { RequestLike } from '../auth.ts';
import { MatrixError } from '../errors.ts';
import { booleanParam, checkedUserId, integerParam } from '../matrix-http.ts';
import type { SetPresence } from '../presence-rules.ts';
import type { AbortSignalLike } from '../sync-streams.ts';

const SET_PRESENCE: readonly string[] = ['online', 'unavailable', 'offline'];
const PUT_KEYS: ReadonlySet<string> = new Set(['presence', 'status_msg']);

/** The parts of a sync answer that a presence-only server always sends empty. */
const EMPTY_SYNC_PARTS = {
  account_data: { events: [] },
  to_device: { events: [] },
  device_lists: { changed: [], left: [] },
  device_one_time_keys_count: {},
  rooms: { join: {}, invite: {}, leave: {}, knock: {} },
} as const;

/** `GET /sync`: the presence part, with the empty parts a client expects. */
export async function syncRequest(
  ctx: AppContext,
  request: RequestLike,
  signal: AbortSignalLike | undefined,
): Promise<Record<string, unknown>> {
  const userId = ctx.auth.user(request);
  const url = new URL(request.url);
  const setPresence = url.searchParams.get('set_presence') ?? 'online';
  if (!SET_PRESENCE.includes(setPresence)) {
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      `set_presence must be one of ${SET_PRESENCE.join(', ')}`,
    );
  }
  const timeoutMs = integerParam(url, 'timeout', 0, ctx.maxSyncTimeoutMs);
  const fullState = booleanParam(url, 'full_state', false);
  const since = url.searchParams.get('since') ?? undefined;
  const presence = await ctx.syncHandler.sync(userId, {
    since,
    timeoutMs,
    setPresence: setPresence as SetPresence,
    fullState,
    signal,
  });
  return { next_batch: presence.next_batch, presence: presence.presence, ...EMPTY_SYNC_PARTS };
}

/**
 * `PUT /presence/{userId}/status`: checks who asks and the body (read by `readBody` only
 * once the request is authenticated), then accepts the change.
 */
export async function putPresenceRequest(
  ctx: AppContext,
  request: RequestLike,
  pathUserId: string,
  readBody: () => Promise<Record<string, unknown>>,
): Promise<Record<string, never>> {
  const userId = ctx.auth.user(request);
  const target = checkedUserId(pathUserId);
  if (target !== userId) {
    throw new MatrixError(403, 'M_FORBIDDEN', 'You cannot set the presence state of another user');
  }
  const body = await readBody();
  for (const key of Object.keys(body)) {
    if (!PUT_KEYS.has(key)) {
      throw new MatrixError(
        400,
        'M_BAD_JSON',
        `Unexpected key ${JSON.stringify(key)}: only presence and status_msg are allowed`,
      );
    }
  }
  const presence = body.presence;
  if (typeof presence !== 'string' || !(PRESENCE_STATES as readonly string[]).includes(presence)) {
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      `presence must be one of ${PRESENCE_STATES.join(', ')}`,
    );
  }
  const statusMsg = body.status_msg;
  if (statusMsg !== undefined && statusMsg !== null && typeof statusMsg !== 'string') {
    throw new MatrixError(400, 'M_INVALID_PARAM', 'status_msg must be a string');
  }
  const verdict = ctx.rateLimiter.take(userId, ctx.service.now());
  if (!verdict.allowed) {
    ctx.metrics.rateLimited.inc();
    throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many presence updates', {
      retryAfterMs: verdict.retryAfterMs,
    });
  }
  await ctx.service.setPresence(userId, presence as PresenceStateName, statusMsg ?? null);
  return {};
}
