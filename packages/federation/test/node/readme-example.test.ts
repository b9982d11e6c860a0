import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const here = new URL('.', import.meta.url);

describe('examples/two-servers.ts (the README example)', () => {
  it('is the example the README shows, verbatim', () => {
    const source = readFileSync(new URL('../../examples/two-servers.ts', here), 'utf8');
    const begin = source.indexOf('// README example: begin\n');
    const end = source.indexOf('// README example: end');
    expect(begin).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(begin);
    const body = source.slice(begin + '// README example: begin\n'.length, end).trim();
    expect(readFileSync(new URL('../../README.md', here), 'utf8')).toContain(body);
  });

  it('delivers both states, authenticated, in one transaction', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      await import('../../examples/two-servers.ts');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      'remote.example <- hs.example: @alice:hs.example online in a meeting',
      'remote.example <- hs.example: @bob:hs.example unavailable -',
      'transactions sent: 1',
    ]);
  });
});
