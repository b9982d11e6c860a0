/**
 * The zod schemas of the keys `loadConfig` reads from a homeserver configuration. Messages
 * follow the conventions of `zod-issues.ts` (an `invalid_type` message names what was
 * expected; "found ..." is added from the file).
 *
 * Known keys:
 * - top level: `server_name`, `use_presence` (Synapse's legacy switch),
 *   `exclude_rooms_from_presence`, `presence`, `modules`;
 * - `presence`: `enabled`, `routing_modules`, `presence_router`,
 *   `exclude_rooms_from_presence`, the policy (`default_routing`, `local_only`,
 *   `max_room_size`, `deny: { users, rooms, servers }`), plus Synapse's own presence
 *   settings, accepted and unused;
 * - a module entry: `module`, `config`.
 *
 * @example
 * ```ts
 * const entry = parseWithSchema(moduleEntrySchema, { module: 'my_router.Router' }, { path: ['modules', 0] });
 * ```
 * @module
 */
import { roomIdProblem, serverNameProblem, userIdProblem } from '@presence-router/core';
import { z } from 'zod';
import { describeValue } from './value-description.ts';

/** A room ID; YAML reads an unquoted `!room:hs` as a tag, which `parseYamlSource` reports. */
export const roomIdSchema = z
  .string({ error: 'a room ID like "!abc:example.org" (quoted: YAML reads a bare ! as a tag)' })
  .check((ctx) => {
    const problem = roomIdProblem(ctx.value);
    if (problem !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `invalid room ID ${JSON.stringify(ctx.value)}: ${problem}`,
      });
    }
  });

/** A user ID: `@localpart:server_name`. */
export const userIdSchema = z
  .string({ error: 'a user ID like "@alice:example.org"' })
  .check((ctx) => {
    const problem = userIdProblem(ctx.value);
    if (problem !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `invalid user ID ${JSON.stringify(ctx.value)}: ${problem}`,
      });
    }
  });

/** A list of room IDs. */
export const roomIdListSchema = z.array(roomIdSchema, {
  error: 'a list of room IDs like ["!abc:example.org"]',
});

/** A server name: `host[:port]`. */
export const serverNameSchema = z
  .string({ error: 'a server name like example.org or example.org:8448' })
  .check((ctx) => {
    const problem = serverNameProblem(ctx.value);
    if (problem !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `invalid server name ${JSON.stringify(ctx.value)}: ${problem}`,
      });
    }
  });

/** `presence.enabled`: a boolean, or Synapse's `"untracked"`. */
export const presenceEnabledSchema = z.custom<boolean | 'untracked'>().check((ctx) => {
  const value: unknown = ctx.value;
  if (typeof value === 'boolean' || value === 'untracked') return;
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: `expected true, false or "untracked", found ${describeValue(value)}`,
    params: { configCode: typeof value === 'string' ? 'INVALID_VALUE' : 'INVALID_TYPE' },
  });
});

/** A list of module entries, before each entry is checked. */
export const moduleListSchema = z.array(z.unknown(), {
  error: 'a list of module entries, each a mapping with "module" and optional "config"',
});

/** The known keys of the top level (unknown top-level keys are ignored). */
export const topLevelSchema = z.looseObject({
  server_name: serverNameSchema.optional(),
  use_presence: z.boolean({ error: 'true or false' }).nullish(),
  exclude_rooms_from_presence: roomIdListSchema.nullish(),
  presence: z
    .record(z.string(), z.unknown(), { error: 'a mapping of presence settings' })
    .nullish(),
  modules: moduleListSchema.nullish(),
});

/**
 * `presence.deny`: recipients that receive no one's presence but their own. Unknown keys are
 * errors, not warnings: a misspelt deny list (`user:`) must not silently deny no one.
 */
export const denySchema = z.strictObject(
  {
    users: z
      .array(userIdSchema, { error: 'a list of user IDs like ["@alice:example.org"]' })
      .nullish(),
    rooms: roomIdListSchema.nullish(),
    servers: z
      .array(serverNameSchema, { error: 'a list of server names like ["example.org"]' })
      .nullish(),
  },
  { error: 'a mapping with "users", "rooms" and/or "servers" lists' },
);

/** Keys of `presence` that `loadConfig` reads. */
export const PRESENCE_KEYS: ReadonlySet<string> = new Set([
  'enabled',
  'routing_modules',
  'presence_router',
  'exclude_rooms_from_presence',
  'default_routing',
  'local_only',
  'max_room_size',
  'deny',
]);

/** Synapse's other presence settings: accepted without a warning, not used here. */
export const SYNAPSE_PRESENCE_KEYS: ReadonlySet<string> = new Set([
  'include_offline_users_on_sync',
  'last_active_granularity',
  'sync_online_timeout',
  'idle_timeout',
]);

/** The `presence` mapping (its unknown keys are warnings, checked separately). */
export const presenceSchema = z.object({
  enabled: presenceEnabledSchema.optional(),
  routing_modules: moduleListSchema.nullish(),
  presence_router: z.unknown().optional(),
  exclude_rooms_from_presence: roomIdListSchema.nullish(),
  default_routing: z.boolean({ error: 'true or false' }).nullish(),
  local_only: z.boolean({ error: 'true or false' }).nullish(),
  max_room_size: z
    .number({ error: 'a whole number of joined members, at least 1' })
    .refine(Number.isInteger, { error: 'expected a whole number of joined members' })
    .min(1, { error: 'expected a whole number of joined members, at least 1' })
    .nullish(),
  deny: denySchema.nullish(),
});

/** Keys of a module entry. */
export const MODULE_ENTRY_KEYS: ReadonlySet<string> = new Set(['module', 'config']);

/** One `{ module, config }` entry (its unknown keys are warnings, checked separately). */
export const moduleEntrySchema = z.object(
  {
    module: z
      .string({ error: 'a string naming the module, like my_package.MyRouter' })
      .min(1, { error: 'expected a module name like my_package.MyRouter, found an empty string' }),
    config: z
      .record(z.string(), z.unknown(), {
        error: "a mapping of the module's settings (or nothing, for none)",
      })
      .nullish(),
  },
  { error: 'a mapping with "module" and optional "config"' },
);

/** A parsed module entry. */
export type ModuleEntry = z.output<typeof moduleEntrySchema>;
