/**
 * The live page: `GET /` serves plain HTML+JS (no build step); `GET
 * /_presence_router/live/v1/events?user=@x` streams Server-Sent Events: a `snapshot` of who
 * is online, an `update` per delivered batch (with its remote deliveries: which local users'
 * states went to which other server, for how many of its users), and — for the chosen user —
 * `received` events
 * with what that user was sent and why. It shows everyone's presence and the rooms behind each
 * decision, so `live_page: true` puts both behind the admin token (`?access_token=`, which
 * the page passes on to its event stream); `live_page: public` opens them to anyone who can
 * reach the port (demos on a trusted network only).
 *
 * @example
 * ```ts
 * registerLiveRoutes(app, context);
 * // open http://127.0.0.1:8008/ in a browser
 * ```
 * @module
 */
import { type UserPresenceState, userIdProblem } from '@presence-router/core';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { LIVE_PAGE_HTML } from '../live-page-html.ts';
import { presenceContent } from '../presence-event.ts';
import type { DeliveredBatch } from '../presence-service.ts';

/** The live events' path. */
export const LIVE_EVENTS_PATH = '/_presence_router/live/v1/events';

/** At most this many `received` entries are explained per batch. */
const EXPLAINED_PER_BATCH = 20;

function describe(state: UserPresenceState, now: number): Record<string, unknown> {
  return { user_id: state.userId, ...presenceContent(state, now) };
}

/** At most this many remote destinations are listed per batch. */
const REMOTE_PER_BATCH = 20;

/**
 * What a batch sends to other servers: local users' states only (remote users' presence is
 * never forwarded), per destination server.
 */
function remoteDeliveries(
  batch: DeliveredBatch,
  isLocal: (userId: string) => boolean,
): { server: string; recipients: number; senders: string[] }[] {
  const out: { server: string; recipients: number; senders: string[] }[] = [];
  for (const destination of batch.result.remote.values()) {
    const senders = destination.states.filter((s) => isLocal(s.userId)).map((s) => s.userId);
    if (senders.length === 0) continue;
    out.push({ server: destination.serverName, recipients: destination.userIds.length, senders });
    if (out.length === REMOTE_PER_BATCH) break;
  }
  return out;
}

/** Registers the live page and its event stream on `app`. */
export function registerLiveRoutes(app: Hono, ctx: AppContext): void {
  /** 404 when the page is off; the admin token unless it is public. */
  const guard = (request: Request): void => {
    if (ctx.livePage === 'off')
      throw new MatrixError(404, 'M_UNRECOGNIZED', 'The live page is disabled (live_page: false)');
    if (ctx.livePage === 'admin') ctx.auth.admin(request);
  };

  app.get('/', (c) => {
    guard(c.req.raw);
    return c.html(LIVE_PAGE_HTML);
  });

  app.get(LIVE_EVENTS_PATH, (c) => {
    guard(c.req.raw);
    const chosen = c.req.query('user') || undefined;
    if (chosen !== undefined && userIdProblem(chosen) !== undefined) {
      throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ${JSON.stringify(chosen)}`);
    }
    return streamSSE(c, async (stream) => {
      const queue: { event: string; data: unknown }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown): void => {
        queue.push({ event, data });
        wake?.();
      };
      const onBatch = (batch: DeliveredBatch): void => {
        const now = ctx.service.now();
        push('update', {
          position: batch.position,
          states: batch.states.map((s) => describe(s, now)),
          remote: remoteDeliveries(batch, ctx.service.isLocal.bind(ctx.service)),
        });
        if (chosen === undefined) return;
        const received = new Map<string, UserPresenceState>();
        for (const state of batch.result.statesFor(chosen)) received.set(state.userId, state);
        for (const state of batch.readSide.get(chosen) ?? []) received.set(state.userId, state);
        if (received.size === 0) return;
        const states = [...received.values()].slice(0, EXPLAINED_PER_BATCH);
        void Promise.all(
          states.map(async (state) => {
            const why = await ctx.service.explain(state.userId, chosen).catch(() => undefined);
            return { ...describe(state, now), why: why?.reasons ?? [] };
          }),
        ).then((entries) => push('received', { user: chosen, position: batch.position, entries }));
      };
      const stop = ctx.service.onDelivered(onBatch);
      const end = (): void => wake?.();
      ctx.shutdownSignal.addEventListener('abort', end);
      stream.onAbort(end);
      try {
        const now = ctx.service.now();
        const users = new Set<string>(ctx.knownUsers());
        const states = [...ctx.service.publishedStates()];
        for (const state of states) users.add(state.userId);
        await stream.writeSSE({
          event: 'snapshot',
          data: JSON.stringify({
            user: chosen ?? null,
            users: [...users].sort(),
            states: states.map((state) => describe(state, now)),
          }),
        });
        while (!stream.aborted && !stream.closed && !ctx.shutdownSignal.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              const done = (): void => {
                clearTimeout(timer);
                wake = undefined;
                resolve();
              };
              const timer = setTimeout(done, 15_000);
              wake = done;
            });
            if (queue.length === 0 && !stream.aborted && !ctx.shutdownSignal.aborted) {
              await stream.write(': keep-alive\n\n');
            }
            continue;
          }
          const next = queue.shift() as { event: string; data: unknown };
          await stream.writeSSE({ event: next.event, data: JSON.stringify(next.data) });
        }
      } finally {
        stop();
        ctx.shutdownSignal.removeEventListener('abort', end);
      }
    });
  });
}
