import { describe, expect, it, vi } from 'vitest';
import example from '../examples/readme-example.ts?raw';
import readme from '../README.md?raw';

describe('examples/readme-example.ts (the README example)', () => {
  it('is the example the README shows, verbatim', () => {
    const begin = example.indexOf('// README example: begin\n');
    const end = example.indexOf('// README example: end');
    expect(begin).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(begin);
    const body = example.slice(begin + '// README example: begin\n'.length, end).trim();
    expect(readme).toContain(body);
  });

  it('prints what the README says', async () => {
    const lines: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args);
    });
    try {
      await import('../examples/readme-example.ts');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      ['@alice:example.com @boss:spam.example @mum:matrix.org'],
      [
        { receives: false, step: 2, rule: 'denied-servers' },
        { receives: false, step: 5, rule: 'denied-users' },
      ],
      [
        'example.com spam.example',
        '{"user_id":"@john:matrix.org","presence":"online","recipients":{"add":["@alice:example.com"],"delete":[]},"stream_id":1000000}',
      ],
      [
        {
          kind: 'deliver',
          recipients: new Set(['@alice:example.com']),
          state: { streamId: 1_000_000, recipients: new Set(['@alice:example.com']) },
        },
      ],
    ]);
  });
});
