/**
 * The push rules a presence-only server answers on `GET /pushrules/`: the Matrix spec's
 * predefined rules (as Synapse serves them), with the user-specific ones filled in for the
 * asking user. The server sends no room events, so none of them ever fires; stock clients
 * (matrix-js-sdk) just expect to find them and log a warning for each one missing.
 *
 * @example
 * ```ts
 * defaultPushRules('@alice:hs').global.override[0].rule_id; // '.m.rule.master'
 * ```
 * @module
 */

/** A push rule, in the client-server API's shape. */
export interface PushRule {
  readonly rule_id: string;
  readonly default: true;
  readonly enabled: boolean;
  readonly actions: readonly unknown[];
  readonly conditions?: readonly Record<string, unknown>[];
  readonly pattern?: string;
}

/** The rule set of `GET /pushrules/`. */
export interface PushRuleSet {
  readonly global: {
    readonly override: readonly PushRule[];
    readonly content: readonly PushRule[];
    readonly room: readonly PushRule[];
    readonly sender: readonly PushRule[];
    readonly underride: readonly PushRule[];
  };
}

const NOTIFY = 'notify';
const HIGHLIGHT = { set_tweak: 'highlight' };
const NO_HIGHLIGHT = { set_tweak: 'highlight', value: false };
const SOUND = { set_tweak: 'sound', value: 'default' };
const RING = { set_tweak: 'sound', value: 'ring' };

const match = (key: string, pattern: string): Record<string, unknown> => ({
  kind: 'event_match',
  key,
  pattern,
});
const propertyIs = (key: string, value: unknown): Record<string, unknown> => ({
  kind: 'event_property_is',
  key,
  value,
});
const memberCount = (is: string): Record<string, unknown> => ({ kind: 'room_member_count', is });
const canNotifyRoom = { kind: 'sender_notification_permission', key: 'room' };

function rule(
  ruleId: string,
  actions: readonly unknown[],
  conditions: readonly Record<string, unknown>[],
  enabled = true,
): PushRule {
  return { rule_id: ruleId, default: true, enabled, actions, conditions };
}

/** The predefined rules for `userId`, in the spec's order. */
export function defaultPushRules(userId: string): PushRuleSet {
  const localpart = userId.slice(1, userId.indexOf(':'));
  const serverAcl = [match('type', 'm.room.server_acl'), match('state_key', '')];
  return {
    global: {
      override: [
        rule('.m.rule.master', [], [], false),
        rule('.m.rule.suppress_notices', [], [match('content.msgtype', 'm.notice')]),
        rule(
          '.m.rule.invite_for_me',
          [NOTIFY, SOUND, NO_HIGHLIGHT],
          [
            match('type', 'm.room.member'),
            match('content.membership', 'invite'),
            match('state_key', userId),
          ],
        ),
        rule('.m.rule.member_event', [], [match('type', 'm.room.member')]),
        rule(
          '.m.rule.is_user_mention',
          [NOTIFY, HIGHLIGHT, SOUND],
          [
            {
              kind: 'event_property_contains',
              key: 'content.m\\.mentions.user_ids',
              value: userId,
            },
          ],
        ),
        rule(
          '.m.rule.contains_display_name',
          [NOTIFY, HIGHLIGHT, SOUND],
          [{ kind: 'contains_display_name' }],
        ),
        rule(
          '.m.rule.is_room_mention',
          [NOTIFY, HIGHLIGHT],
          [propertyIs('content.m\\.mentions.room', true), canNotifyRoom],
        ),
        rule(
          '.m.rule.roomnotif',
          [NOTIFY, HIGHLIGHT],
          [canNotifyRoom, match('content.body', '@room')],
        ),
        rule(
          '.m.rule.tombstone',
          [NOTIFY, HIGHLIGHT],
          [match('type', 'm.room.tombstone'), match('state_key', '')],
        ),
        rule('.m.rule.reaction', [], [match('type', 'm.reaction')]),
        rule('.m.rule.room.server_acl', [], serverAcl),
        // The unstable name clients still look for (MSC3786).
        rule('.org.matrix.msc3786.rule.room.server_acl', [], serverAcl),
        rule(
          '.m.rule.suppress_edits',
          [],
          [propertyIs('content.m\\.relates_to.rel_type', 'm.replace')],
        ),
      ],
      content: [
        {
          rule_id: '.m.rule.contains_user_name',
          default: true,
          enabled: true,
          actions: [NOTIFY, HIGHLIGHT, SOUND],
          pattern: localpart,
        },
      ],
      room: [],
      sender: [],
      underride: [
        rule('.m.rule.call', [NOTIFY, RING, NO_HIGHLIGHT], [match('type', 'm.call.invite')]),
        // The unstable group-call rule clients still look for (MSC3914).
        rule(
          '.org.matrix.msc3914.rule.room.call',
          [NOTIFY, SOUND],
          [match('type', 'org.matrix.msc3401.call'), { kind: 'call_started' }],
        ),
        rule(
          '.m.rule.encrypted_room_one_to_one',
          [NOTIFY, SOUND, NO_HIGHLIGHT],
          [match('type', 'm.room.encrypted'), memberCount('2')],
        ),
        rule(
          '.m.rule.room_one_to_one',
          [NOTIFY, SOUND, NO_HIGHLIGHT],
          [match('type', 'm.room.message'), memberCount('2')],
        ),
        rule('.m.rule.message', [NOTIFY, NO_HIGHLIGHT], [match('type', 'm.room.message')]),
        rule('.m.rule.encrypted', [NOTIFY, NO_HIGHLIGHT], [match('type', 'm.room.encrypted')]),
      ],
    },
  };
}
