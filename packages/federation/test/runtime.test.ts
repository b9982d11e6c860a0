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

  it('has WebCrypto Ed25519', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const signature = await crypto.subtle.sign(
      { name: 'Ed25519' },
      pair.privateKey,
      new Uint8Array([1]),
    );
    expect(signature.byteLength).toBe(64);
  });
});
