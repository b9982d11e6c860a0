/**
 * Global account data under MSC4495 (`experimental_features.msc4495_enabled`):
 * `PUT`/`GET /_matrix/client/v3/user/{userId}/account_data/{type}`, the user's own only
 * (`403 M_FORBIDDEN` otherwise). Any type is stored as the client wrote it (a JSON object:
 * `400 M_NOT_JSON`/`M_BAD_JSON` otherwise); `m.presence.sharing` (and its unstable name) must
 * pass `parseSharingSettings` (`400 M_BAD_JSON` with its message) and recomputes the user's
 * recipient set; `m.presence.prompted` must pass `parsePromptedList`. `GET` of a type never
 * set: `404 M_NOT_FOUND`. A store that cannot be reached: `503 M_UNKNOWN` with `Retry-After`.
 * Registered before the presence-only server's answers (`rooms.ts`), which stay when disabled.
 *
 * @example
 * ```ts
 * if (ctx.selectivePresence !== undefined) registerAccountDataRoutes(app, ctx, ctx.selectivePresence);
 * ```
 * @module
 */
import {
  parsePromptedList,
  parseSharingSettings,
  SelectivePresenceError,
} from '@presence-router/selective-presence';
import type { Hono } from 'hono';
import { accountDataUnavailable } from '../account-data-store.ts';
import type { AppContext } from '../app-context.ts';
import { MatrixError } from '../errors.ts';
import { checkedUserId, jsonResponse, readJsonObject } from '../matrix-http.ts';
import type { SelectivePresence } from '../selective-presence.ts';
import { PROMPTED_TYPES, SHARING_TYPES } from '../selective-presence-sharing.ts';
import { CLIENT } from './client-paths.ts';

/** The longest account data type accepted (Synapse's limit on event types). */
const MAX_TYPE_LENGTH = 255;

/** Registers the routes on `app`. */
export function registerAccountDataRoutes(
  app: Hono,
  ctx: AppContext,
  selective: SelectivePresence,
): void {
  const ownUser = (request: Request, target: string): string => {
    const userId = ctx.auth.user(request);
    if (checkedUserId(target) !== userId) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot access account data for other users');
    }
    return userId;
  };
  const checkedType = (type: string): string => {
    if (type.length === 0 || type.length > MAX_TYPE_LENGTH) {
      throw new MatrixError(
        400,
        'M_INVALID_PARAM',
        `The account data type must be 1 to ${MAX_TYPE_LENGTH} characters`,
      );
    }
    return type;
  };

  app.put(`${CLIENT}/user/:userId/account_data/:type`, async (c) => {
    const userId = ownUser(c.req.raw, c.req.param('userId'));
    const type = checkedType(c.req.param('type'));
    const content = await readJsonObject(c.req.raw);
    validate(type, content);
    await store(() => selective.accountData.put(userId, type, JSON.stringify(content)));
    if (SHARING_TYPES.includes(type)) await selective.sharingChanged(userId);
    return jsonResponse({});
  });

  app.get(`${CLIENT}/user/:userId/account_data/:type`, async (c) => {
    const userId = ownUser(c.req.raw, c.req.param('userId'));
    const type = checkedType(c.req.param('type'));
    const json = await store(() => selective.accountData.get(userId, type));
    if (json === undefined) throw new MatrixError(404, 'M_NOT_FOUND', 'Account data not found');
    return new Response(json, { headers: { 'content-type': 'application/json' } });
  });
}

/** Refuses MSC4495 content that does not validate (400 `M_BAD_JSON` with the reason). */
function validate(type: string, content: Record<string, unknown>): void {
  try {
    if (SHARING_TYPES.includes(type)) parseSharingSettings(content);
    else if (PROMPTED_TYPES.includes(type)) parsePromptedList(content);
  } catch (error) {
    if (error instanceof SelectivePresenceError) {
      throw new MatrixError(400, 'M_BAD_JSON', error.message, { cause: error });
    }
    throw error;
  }
}

/** Runs a store call; a store that fails is a 503 with `Retry-After`. */
async function store<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MatrixError) throw error;
    throw accountDataUnavailable(error);
  }
}
