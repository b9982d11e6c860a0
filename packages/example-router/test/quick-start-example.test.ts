import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const here = new URL('.', import.meta.url);

/** The code between the README markers of examples/quick-start.ts. */
function quickStartBody(): string {
  const source = readFileSync(new URL('../examples/quick-start.ts', here), 'utf8');
  const begin = source.indexOf('// README example: begin\n');
  const end = source.indexOf('// README example: end');
  expect(begin).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(begin);
  return source.slice(begin + '// README example: begin\n'.length, end).trim();
}

describe('examples/quick-start.ts (the README example)', () => {
  it('is the example the README shows, verbatim', () => {
    const readme = readFileSync(new URL('../README.md', here), 'utf8');
    expect(readme).toContain(quickStartBody());
  });

  it('prints the destinations its comments promise', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(
        args
          .map((a) => (typeof a === 'string' ? a : JSON.stringify([...(a as Set<string>)])))
          .join(' '),
      );
    });
    try {
      await import('../examples/quick-start.ts');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      '@alice:hs.example <- @alice:hs.example online',
      '@auditor:hs.example <- @alice:hs.example online',
      '@bob:hs.example <- @alice:hs.example online',
      '@dave:hs.example <- @alice:hs.example online',
      '@erin:hs.example <- @alice:hs.example online',
      '["@alice:hs.example"]',
    ]);
  });
});
