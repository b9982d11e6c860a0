/** The README's example, kept runnable: `tsx --conditions=@presence-router/source packages/selective-presence/examples/readme-example.ts`. */
// README example: begin
import {
  explainSelectiveRecipients,
  InboundRecipientSets,
  parseSharingSettings,
  RecipientStreamTracker,
  readRecipientFields,
  recipientFieldsJson,
  selectiveRecipients,
} from '@presence-router/selective-presence';

// John's m.presence.sharing account data, as a client PUTs it (a 400 M_BAD_JSON if it throws).
const settings = parseSharingSettings({
  share_locally: true,
  rooms: { '!family:matrix.org': 'allow', '!public:matrix.org': 'allow' },
  servers: { 'spam.example': 'deny' },
  users: { '@mallory:matrix.org': 'deny', '@boss:spam.example': 'allow' },
});

// What the server knows: John's joined rooms, their members and m.room.presence_sharing hints.
const facts = {
  serverName: 'matrix.org',
  rooms: [
    {
      roomId: '!family:matrix.org',
      hint: 'suggest' as const,
      members: ['@john:matrix.org', '@mum:matrix.org', '@alice:example.com', '@eve:spam.example'],
    },
    {
      roomId: '!public:matrix.org', // no hint event: forbid
      members: [
        '@john:matrix.org',
        '@mallory:matrix.org',
        '@bob:example.com',
        '@boss:spam.example',
      ],
    },
  ],
};
const recipients = selectiveRecipients('@john:matrix.org', settings, facts);
console.log([...recipients].sort().join(' '));

const why = explainSelectiveRecipients('@john:matrix.org', settings, facts);
console.log(why.verdictFor('@eve:spam.example'), why.verdictFor('@mallory:matrix.org'));

// Federation: matrix.org tells example.com which of its users receive John's presence.
const tracker = new RecipientStreamTracker({ serverName: 'matrix.org', now: () => 1_000 });
const { destinations } = tracker.setRecipients('@john:matrix.org', recipients);
const fields = tracker.entryFor('@john:matrix.org', 'example.com')!;
const entry = { user_id: '@john:matrix.org', presence: 'online', ...recipientFieldsJson(fields) };
console.log([...destinations].sort().join(' '), JSON.stringify(entry));

// example.com: whom to show the update to.
const inbound = new InboundRecipientSets({ serverName: 'example.com' });
const fieldsIn = readRecipientFields(entry);
if (typeof fieldsIn !== 'string') console.log(inbound.apply('@john:matrix.org', fieldsIn));
// README example: end
