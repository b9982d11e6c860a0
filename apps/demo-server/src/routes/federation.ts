/**
 * The server-server endpoints, when federation is enabled: `GET /_matrix/key/v2/server` (the
 * self-signed key response), `PUT /_matrix/federation/v1/send/{txnId}` (inbound transactions:
 * `X-Matrix` checked against the origin's keys, `m.presence` of the origin's users accepted)
 * and `GET /_matrix/federation/v1/version`; with MSC4495 enabled, `GET
 * /_matrix/federation/v1/query/presence_recipients?user_id=` (and the unstable path): the
 * user's recipients on the asking server, `404 M_NOT_FOUND` without a set. Without federation they answer 404
 * `M_UNRECOGNIZED`; while shutting down, transactions answer 503 so the origin retries.
 *
 * @example
 * ```ts
 * registerFederationRoutes(app, context);
 * ```
 * @module
 */
import { serverNameOf } from '@presence-router/core';
import { RECIPIENTS_QUERY_PATHS } from '@presence-router/selective-presence';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import type { Federation, FederationAnswer } from '../federation-wiring.ts';
import { exceedsJsonDepth } from '../json-depth.ts';
import { checkedUserId, jsonResponse } from '../matrix-http.ts';

/** Registers the routes on `app`. */
export function registerFederationRoutes(app: Hono, ctx: AppContext): void {
  const enabled = (): Federation => {
    if (ctx.federation === undefined) {
      throw new MatrixError(404, 'M_UNRECOGNIZED', 'Federation is disabled on this server');
    }
    return ctx.federation;
  };
  const answer = ({ status, body }: FederationAnswer): Response => jsonResponse(body, status);

  app.get('/_matrix/key/v2/server', async () => answer(await enabled().keyResponse()));
  app.get('/_matrix/federation/v1/version', () => answer(enabled().version()));

  // MSC4495: a local user's recipients on the asking server (X-Matrix authenticated).
  const selective = ctx.selectivePresence?.federation;
  if (selective !== undefined) {
    for (const path of [RECIPIENTS_QUERY_PATHS.stable, RECIPIENTS_QUERY_PATHS.unstable]) {
      app.get(path, async (c) => {
        const url = new URL(c.req.url);
        const auth = await enabled().authenticate({
          method: 'GET',
          uri: url.pathname + url.search,
          authorization: c.req.header('authorization'),
        });
        if (!auth.ok) return answer(auth.answer);
        const param = url.searchParams.get('user_id');
        if (param === null) {
          throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing user_id query parameter');
        }
        const userId = checkedUserId(param, 'user_id');
        const known =
          serverNameOf(userId) === ctx.serverName
            ? selective.answerQuery(userId, auth.origin)
            : undefined;
        if (known === undefined) {
          throw new MatrixError(404, 'M_NOT_FOUND', `No recipient set for ${userId}`);
        }
        return jsonResponse(known);
      });
    }
  }
  app.put('/_matrix/federation/v1/send/:txnId', async (c) => {
    const federation = enabled();
    if (ctx.shutdownSignal.aborted) {
      throw new MatrixError(503, 'M_UNKNOWN', 'The server is shutting down; retry later', {
        retryAfterMs: 5000,
      });
    }
    const url = new URL(c.req.url);
    const body = await c.req.text();
    if (exceedsJsonDepth(body)) {
      throw new MatrixError(400, 'M_BAD_JSON', 'The transaction nests too deep');
    }
    return answer(
      await federation.transaction({
        method: c.req.method,
        uri: url.pathname + url.search,
        authorization: c.req.header('authorization'),
        body,
      }),
    );
  });
}
