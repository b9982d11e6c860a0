import { describe, expect, it } from 'vitest';
import {
  explainSelectiveRecipients,
  type JoinedRoomFacts,
  parseSharingSettings,
  type RecipientFacts,
  type RecipientRule,
  selectiveRecipients,
} from '../src/index.ts';

const ALICE = '@alice:hs.example';
const BOB = '@bob:hs.example';
const CAROL = '@carol:hs.example';
const ERIN = '@erin:hs.example';
const FRANK = '@frank:hs.example';
const ZOE = '@zoe:hs.example';
const RITA = '@rita:remote.example';
const SAM = '@sam:remote.example';
const TOM = '@tom:remote.example';
const UMA = '@uma:remote.example';
const DAN = '@dan:denied.example';

const SUGGEST = '!suggest:hs.example';
const FORBID = '!forbid:hs.example';
const NO_HINT = '!nohint:hs.example';
const OTHER = '!other:hs.example';

/** Alice's joined rooms: one per hint, and a suggesting room she does not allow. */
const ROOMS: readonly JoinedRoomFacts[] = [
  { roomId: SUGGEST, members: [ALICE, BOB, RITA, DAN], hint: 'suggest' },
  { roomId: FORBID, members: [ALICE, CAROL, SAM], hint: 'forbid' },
  { roomId: NO_HINT, members: [ALICE, ERIN, TOM] },
  { roomId: OTHER, members: [ALICE, FRANK, UMA], hint: 'suggest' },
];
const FACTS: RecipientFacts = { serverName: 'hs.example', rooms: ROOMS };

interface Case {
  readonly name: string;
  /** `m.presence.sharing` content; `undefined`: the user has none. */
  readonly settings: unknown;
  readonly expected: readonly string[];
  /** Users whose deciding step is checked: user -> [receives, step]. */
  readonly decidedBy?: Readonly<Record<string, readonly [boolean, RecipientRule | undefined]>>;
}

const CASES: readonly Case[] = [
  { name: 'no settings: nobody (no fallback to room members)', settings: undefined, expected: [] },
  { name: 'empty settings: nobody', settings: {}, expected: [] },
  {
    name: 'step 1: an allowed room that suggests brings every member, remote ones included',
    settings: { rooms: { [SUGGEST]: 'allow' } },
    expected: [BOB, RITA, DAN],
    decidedBy: { [RITA]: [true, 'allowed-rooms'] },
  },
  {
    name: 'step 1: an allowed room whose hint is forbid brings nobody',
    settings: { rooms: { [FORBID]: 'allow' } },
    expected: [],
  },
  {
    name: 'step 1: an allowed room without a hint (default forbid) brings nobody',
    settings: { rooms: { [NO_HINT]: 'allow' } },
    expected: [],
  },
  {
    name: 'step 1: a room the user is not joined to brings nobody',
    settings: { rooms: { '!elsewhere:hs.example': 'allow' } },
    expected: [],
  },
  {
    name: 'step 2 after step 1: a denied server removes its users from an allowed room',
    settings: { rooms: { [SUGGEST]: 'allow' }, servers: { 'denied.example': 'deny' } },
    expected: [BOB, RITA],
    decidedBy: { [DAN]: [false, 'denied-servers'] },
  },
  {
    name: 'step 2: server names are exact (a port is another server)',
    settings: { rooms: { [SUGGEST]: 'allow' }, servers: { 'denied.example:8448': 'deny' } },
    expected: [BOB, RITA, DAN],
  },
  {
    name: 'step 3: share_locally adds local co-members of every joined room, whatever the hint',
    settings: { share_locally: true },
    expected: [BOB, CAROL, ERIN, FRANK],
    decidedBy: { [CAROL]: [true, 'share-locally'], [SAM]: [false, undefined] },
  },
  {
    name: 'step 3: share_locally does not add remote co-members',
    settings: { share_locally: true },
    expected: [BOB, CAROL, ERIN, FRANK],
    decidedBy: { [RITA]: [false, undefined], [TOM]: [false, undefined] },
  },
  {
    name: 'step 3 after step 2: denying the own server still leaves share_locally its locals',
    settings: {
      share_locally: true,
      rooms: { [SUGGEST]: 'allow' },
      servers: { 'hs.example': 'deny' },
    },
    expected: [BOB, CAROL, ERIN, FRANK, RITA, DAN],
    decidedBy: { [BOB]: [true, 'share-locally'] },
  },
  {
    name: 'step 4 after step 2: an allowed user beats a denied server',
    settings: {
      rooms: { [SUGGEST]: 'allow' },
      servers: { 'denied.example': 'deny' },
      users: { [DAN]: 'allow' },
    },
    expected: [BOB, RITA, DAN],
    decidedBy: { [DAN]: [true, 'allowed-users'] },
  },
  {
    name: 'step 4: an allowed user sharing only a forbid room is a recipient',
    settings: { users: { [SAM]: 'allow' } },
    expected: [SAM],
    decidedBy: { [SAM]: [true, 'allowed-users'] },
  },
  {
    name: 'step 4: an allowed user sharing no room is not a recipient',
    settings: { users: { [ZOE]: 'allow' } },
    expected: [],
    decidedBy: { [ZOE]: [false, undefined] },
  },
  {
    name: 'step 5 after step 1: a denied user beats an allowed room',
    settings: { rooms: { [SUGGEST]: 'allow' }, users: { [BOB]: 'deny' } },
    expected: [RITA, DAN],
    decidedBy: { [BOB]: [false, 'denied-users'] },
  },
  {
    name: 'step 5 after step 3: a denied user beats share_locally',
    settings: { share_locally: true, users: { [CAROL]: 'deny' } },
    expected: [BOB, ERIN, FRANK],
    decidedBy: { [CAROL]: [false, 'denied-users'] },
  },
  {
    name: 'step 5: denying someone who was never in changes nothing',
    settings: { users: { [TOM]: 'deny', [SAM]: 'allow' } },
    expected: [SAM],
    decidedBy: { [TOM]: [false, undefined] },
  },
  {
    name: 'the user is never its own recipient, even when allowed',
    settings: { share_locally: true, rooms: { [SUGGEST]: 'allow' }, users: { [ALICE]: 'allow' } },
    expected: [BOB, CAROL, ERIN, FRANK, RITA, DAN],
    decidedBy: { [ALICE]: [false, undefined] },
  },
  {
    name: 'all five steps together',
    settings: {
      share_locally: true,
      rooms: { [SUGGEST]: 'allow', [OTHER]: 'allow', [FORBID]: 'allow' },
      servers: { 'remote.example': 'deny' },
      users: { [UMA]: 'allow', [FRANK]: 'deny', [DAN]: 'deny' },
    },
    expected: [BOB, CAROL, ERIN, UMA],
    decidedBy: {
      [RITA]: [false, 'denied-servers'],
      [UMA]: [true, 'allowed-users'],
      [FRANK]: [false, 'denied-users'],
      [SAM]: [false, undefined],
    },
  },
];

const settingsOf = (content: unknown) =>
  content === undefined ? undefined : parseSharingSettings(content);

describe('selectiveRecipients: the five steps, in order', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const recipients = selectiveRecipients(ALICE, settingsOf(c.settings), FACTS);
      expect([...recipients].sort()).toEqual([...c.expected].sort());
    });
  }
});

describe('explainSelectiveRecipients', () => {
  for (const c of CASES.filter((entry) => entry.decidedBy !== undefined)) {
    it(`${c.name}: the deciding step`, () => {
      const explanation = explainSelectiveRecipients(ALICE, settingsOf(c.settings), FACTS);
      expect([...explanation.recipients].sort()).toEqual([...c.expected].sort());
      for (const [user, [receives, rule]] of Object.entries(c.decidedBy ?? {})) {
        expect({ user, ...explanation.verdictFor(user) }).toEqual({
          user,
          receives,
          ...(rule === undefined ? {} : { rule, step: rulesInOrder.indexOf(rule) + 1 }),
        });
      }
    });
  }

  const rulesInOrder: readonly RecipientRule[] = [
    'allowed-rooms',
    'denied-servers',
    'share-locally',
    'allowed-users',
    'denied-users',
  ];

  it('lists the five steps in order, with what each added and removed', () => {
    const explanation = explainSelectiveRecipients(
      ALICE,
      parseSharingSettings({
        share_locally: true,
        rooms: { [SUGGEST]: 'allow' },
        servers: { 'denied.example': 'deny' },
        users: { [SAM]: 'allow', [BOB]: 'deny' },
      }),
      FACTS,
    );
    expect(explanation.steps).toEqual([
      { step: 1, rule: 'allowed-rooms', added: [BOB, RITA, DAN], removed: [] },
      { step: 2, rule: 'denied-servers', added: [], removed: [DAN] },
      { step: 3, rule: 'share-locally', added: [CAROL, ERIN, FRANK], removed: [] },
      { step: 4, rule: 'allowed-users', added: [SAM], removed: [] },
      { step: 5, rule: 'denied-users', added: [], removed: [BOB] },
    ]);
  });

  it('gives each joined room its verdict, and the allowed users without a shared room', () => {
    const explanation = explainSelectiveRecipients(
      ALICE,
      parseSharingSettings({
        rooms: { [SUGGEST]: 'allow', [FORBID]: 'allow', [NO_HINT]: 'allow' },
        users: { [ZOE]: 'allow', [SAM]: 'allow' },
      }),
      FACTS,
    );
    expect(Object.fromEntries(explanation.rooms)).toEqual({
      [SUGGEST]: 'allowed-and-suggested',
      [FORBID]: 'hint-forbid',
      [NO_HINT]: 'hint-absent',
      [OTHER]: 'not-allowed',
    });
    expect(explanation.allowedWithoutSharedRoom).toEqual([ZOE]);
  });

  it('without settings: no steps, hasSettings false, nobody', () => {
    const explanation = explainSelectiveRecipients(ALICE, undefined, FACTS);
    expect(explanation).toMatchObject({ hasSettings: false, steps: [] });
    expect(explanation.recipients.size).toBe(0);
    expect(explanation.verdictFor(BOB)).toEqual({ receives: false });
  });
});
