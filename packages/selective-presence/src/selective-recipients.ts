/**
 * The recipient user set of MSC4495's dispatch algorithm: who receives a user's presence,
 * from the user's `m.presence.sharing` settings and what the server knows about the rooms the
 * user is joined to. The five steps run in this order, and the order is the semantics:
 *
 * 1. members of rooms the user allows **and** whose hint is `suggest` (absent hint: `forbid`);
 * 2. minus every user on a denied server;
 * 3. plus local users sharing a room with the user, when `share_locally`;
 * 4. plus allowed users sharing a room with the user (so an allowed user beats a denied server);
 * 5. minus denied users (so a denied user beats everything above).
 *
 * "Sharing a room" in steps 3 and 4 counts every room the user is joined to, whatever its
 * hint: the hint only decides whether a room's members come in through step 1. A user with
 * no settings (`undefined`) shares with nobody; there is no fallback to sharing with every
 * room member. The user itself is never in its own set: the server still shows users their
 * own presence.
 *
 * @example
 * ```ts
 * const settings = parseSharingSettings({ rooms: { '!team:hs.example': 'allow' } });
 * selectiveRecipients('@alice:hs.example', settings, {
 *   serverName: 'hs.example',
 *   rooms: [{ roomId: '!team:hs.example', members: ['@alice:hs.example', '@bob:hs.example'], hint: 'suggest' }],
 * }); // Set { '@bob:hs.example' }
 * ```
 * @module
 */
import { serverNameOf } from '@presence-router/core';
import type { PresenceSharingHint } from './room-hint.ts';
import type { PresenceSharingSettings } from './sharing-settings.ts';

/** A room the user is joined to, as the server knows it. */
export interface JoinedRoomFacts {
  readonly roomId: string;
  /** Its joined members (the user among them or not). */
  readonly members: readonly string[];
  /** Its `m.room.presence_sharing` hint; absent means `forbid`. */
  readonly hint?: PresenceSharingHint | undefined;
}

/** What the server knows when it computes a user's recipient set. */
export interface RecipientFacts {
  /** This server's name: users of it are local (step 3). */
  readonly serverName: string;
  /** Every room the user is joined to. */
  readonly rooms: readonly JoinedRoomFacts[];
}

/** The five steps, by name, in order. */
export type RecipientRule =
  | 'allowed-rooms'
  | 'denied-servers'
  | 'share-locally'
  | 'allowed-users'
  | 'denied-users';

/** What one step did. */
export interface RecipientStep {
  /** 1 to 5. */
  readonly step: number;
  readonly rule: RecipientRule;
  /** Users the step added (not already in the set). */
  readonly added: readonly string[];
  /** Users the step removed. */
  readonly removed: readonly string[];
}

/** Why a joined room did or did not bring its members in at step 1. */
export type RoomVerdict = 'allowed-and-suggested' | 'not-allowed' | 'hint-forbid' | 'hint-absent';

/** The verdict for one user: whether they receive, and the step that decided it. */
export interface RecipientVerdict {
  readonly receives: boolean;
  /** The last step that added or removed the user; absent when no step touched them. */
  readonly step?: number;
  readonly rule?: RecipientRule;
}

/** The recipient set with how each step built it, for an admin "explain". */
export interface RecipientExplanation {
  readonly recipients: ReadonlySet<string>;
  /** Whether the user has settings at all (without, the set is empty). */
  readonly hasSettings: boolean;
  /** The five steps in order (empty without settings). */
  readonly steps: readonly RecipientStep[];
  /** Each joined room's verdict at step 1. */
  readonly rooms: ReadonlyMap<string, RoomVerdict>;
  /** Allowed users left out at step 4 because they share no room with the user. */
  readonly allowedWithoutSharedRoom: readonly string[];
  /** Whether `userId` receives, and the step that decided it. */
  verdictFor(userId: string): RecipientVerdict;
}

interface Trace {
  readonly steps: RecipientStep[];
  readonly rooms: Map<string, RoomVerdict>;
  readonly allowedWithoutSharedRoom: string[];
}

const RULES: readonly RecipientRule[] = [
  'allowed-rooms',
  'denied-servers',
  'share-locally',
  'allowed-users',
  'denied-users',
];

function roomVerdict(settings: PresenceSharingSettings, room: JoinedRoomFacts): RoomVerdict {
  if (!settings.allowedRooms.has(room.roomId)) return 'not-allowed';
  if (room.hint === 'suggest') return 'allowed-and-suggested';
  return room.hint === 'forbid' ? 'hint-forbid' : 'hint-absent';
}

/** The five steps; records each into `trace` when given. */
function compute(
  userId: string,
  settings: PresenceSharingSettings,
  facts: RecipientFacts,
  trace: Trace | undefined,
): Set<string> {
  const set = new Set<string>();
  let added: string[] = [];
  let removed: string[] = [];
  const add = (member: string) => {
    if (member === userId || set.has(member)) return;
    set.add(member);
    if (trace) added.push(member);
  };
  const remove = (member: string) => {
    if (set.delete(member) && trace) removed.push(member);
  };
  const endStep = (step: number) => {
    if (!trace) return;
    trace.steps.push({ step, rule: RULES[step - 1]!, added, removed });
    added = [];
    removed = [];
  };

  // 1. Members of allowed rooms that suggest sharing.
  for (const room of facts.rooms) {
    const verdict = roomVerdict(settings, room);
    trace?.rooms.set(room.roomId, verdict);
    if (verdict === 'allowed-and-suggested') for (const member of room.members) add(member);
  }
  endStep(1);

  // 2. Minus users on denied servers.
  if (settings.deniedServers.size > 0) {
    for (const member of [...set]) {
      const server = serverNameOf(member);
      if (server !== undefined && settings.deniedServers.has(server)) remove(member);
    }
  }
  endStep(2);

  // 3. Plus local co-members.
  if (settings.shareLocally) {
    for (const room of facts.rooms) {
      for (const member of room.members) {
        if (serverNameOf(member) === facts.serverName) add(member);
      }
    }
  }
  endStep(3);

  // 4. Plus allowed users who share a room with the user.
  let coMembers: Set<string> | undefined;
  for (const [other, sharing] of settings.users) {
    if (sharing !== 'allow' || other === userId) continue;
    coMembers ??= new Set(facts.rooms.flatMap((room) => room.members));
    if (coMembers.has(other)) add(other);
    else trace?.allowedWithoutSharedRoom.push(other);
  }
  endStep(4);

  // 5. Minus denied users.
  for (const [other, sharing] of settings.users) if (sharing === 'deny') remove(other);
  endStep(5);
  return set;
}

/**
 * The recipient user set of `userId`'s presence (a new set; local and remote users alike).
 * `settings` is the parsed `m.presence.sharing` content, `undefined` when the user has none.
 */
export function selectiveRecipients(
  userId: string,
  settings: PresenceSharingSettings | undefined,
  facts: RecipientFacts,
): Set<string> {
  if (settings === undefined) return new Set();
  return compute(userId, settings, facts, undefined);
}

/** {@link selectiveRecipients} with what each step did and why each room counted or not. */
export function explainSelectiveRecipients(
  userId: string,
  settings: PresenceSharingSettings | undefined,
  facts: RecipientFacts,
): RecipientExplanation {
  const trace: Trace = { steps: [], rooms: new Map(), allowedWithoutSharedRoom: [] };
  const recipients =
    settings === undefined ? new Set<string>() : compute(userId, settings, facts, trace);
  return {
    recipients,
    hasSettings: settings !== undefined,
    steps: trace.steps,
    rooms: trace.rooms,
    allowedWithoutSharedRoom: trace.allowedWithoutSharedRoom,
    verdictFor(other: string): RecipientVerdict {
      for (let i = trace.steps.length - 1; i >= 0; i--) {
        const step = trace.steps[i]!;
        if (step.added.includes(other) || step.removed.includes(other)) {
          return { receives: recipients.has(other), step: step.step, rule: step.rule };
        }
      }
      return { receives: recipients.has(other) };
    },
  };
}
