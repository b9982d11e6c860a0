import { describe, expect, it } from 'vitest';
import { runExample } from '../examples/load-config.ts';

describe('the README example', () => {
  it('routes Alice to her team, the auditor and her remote buddy, not the excluded room', async () => {
    expect(await runExample()).toEqual({
      local: ['@alice:hs.example', '@auditor:hs.example', '@carol:hs.example'],
      remote: ['@bob:remote.example'],
    });
  });
});
