/**
 * The operator's presence policy: subtractive routing on top of Synapse's additive rules.
 * Synapse's router only adds destinations; operators also ask to replace shared-room routing
 * (element-hq/synapse#10423), to keep presence on their server, to give big rooms no presence
 * (#8055) and to deny some recipients outright. Every field is optional and the defaults keep
 * Synapse's behaviour exactly.
 *
 * The rules, in the order they apply to one state of sender `S` and one recipient `R`:
 * 1. default routing (`S`'s rooms, minus `exclude_rooms_from_presence`) only when
 *    `defaultRouting` is not `false`, and only through rooms of at most `maxRoomSize` joined
 *    members; the modules' destinations are added (their rooms are not size-limited);
 * 2. denials remove recipients, whoever added them: `R` in `deny.users`, `R` joined to a room
 *    in `deny.rooms`, `R` on a server in `deny.servers` — the operator's, and each module's
 *    `getDeniedRecipients` for `S`'s state. Deny wins over every addition, in any module order;
 * 3. `localOnly`: `R` on another server receives nothing (nothing leaves over federation).
 *
 * `S` always receives its own presence: no rule removes it.
 *
 * @example
 * ```ts
 * const router = new PresenceRouter({
 *   serverName: 'hs.example',
 *   membership,
 *   policy: { maxRoomSize: 500, localOnly: true, deny: { rooms: ['!big:hs.example'] } },
 * });
 * ```
 * @module
 */
import type { RecipientDenial } from './router-module.ts';

/** Subtractive routing rules (see the module documentation); `{}` is Synapse's behaviour. */
export interface PresencePolicy {
  /**
   * `false`: rooms carry no default presence — only the modules decide who receives (Synapse
   * #10423: the default shared-room routing replaced, not added to). Default `true`.
   */
  readonly defaultRouting?: boolean | undefined;
  /**
   * `true`: nothing leaves over federation — remote recipients are dropped, whoever added them
   * (`FanOutResult.remote` is empty). Remote users' incoming presence still reaches local
   * users. Default `false`.
   */
  readonly localOnly?: boolean | undefined;
  /**
   * Rooms with more joined members than this carry no default presence (Synapse #8055); a
   * positive whole number. A module's room destination is not limited. Default: no limit.
   */
  readonly maxRoomSize?: number | undefined;
  /** Recipients that receive no one's presence but their own: users, members of rooms, servers. */
  readonly deny?: RecipientDenial | undefined;
}
