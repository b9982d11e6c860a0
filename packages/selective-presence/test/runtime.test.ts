import { describe, expect, it } from 'vitest';

const g = globalThis as {
  Deno?: { version?: { deno?: string } };
  process?: { env?: Record<string, string | undefined> };
};

describe('runtime', () => {
  it('runs on the runtime the test command asked for (Deno for test:deno, Node otherwise)', () => {
    const wanted = g.process?.env?.PRESENCE_ROUTER_RUNTIME ?? 'node';
    expect(wanted === 'deno' ? typeof g.Deno?.version?.deno : typeof g.Deno).toBe(
      wanted === 'deno' ? 'string' : 'undefined',
    );
  });
});
