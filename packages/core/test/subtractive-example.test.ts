import { describe, expect, it } from 'vitest';
import { runExample } from '../examples/subtractive-routing.ts';

describe('the README’s subtractive-routing example', () => {
  it('denies the auditor Alice, keeps the big room quiet and sends nothing out', async () => {
    expect(await runExample()).toEqual({
      received: {
        '@alice:hs.example': ['@alice:hs.example', '@bob:hs.example'],
        '@bob:hs.example': ['@alice:hs.example', '@bob:hs.example'],
        '@auditor:hs.example': ['@bob:hs.example'],
      },
      remote: 0,
      auditorSeesAlice: false,
      denials: ['denied by routing module privacy (users: @auditor:hs.example)'],
      limits: ['max_room_size 3 < 4 members: !town:hs.example carries no default presence'],
    });
  });
});
