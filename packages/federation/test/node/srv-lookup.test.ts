import { describe, expect, it } from 'vitest';
import { nodeSrvLookup } from '../../src/node/srv-lookup.ts';

describe('nodeSrvLookup', () => {
  it('returns the records of the resolver', async () => {
    const lookup = nodeSrvLookup({
      resolveSrv: async (name) => [{ name: `target.${name}`, port: 8448, priority: 10, weight: 5 }],
    });
    expect(await lookup('_matrix-fed._tcp.hs.example')).toEqual([
      { name: 'target._matrix-fed._tcp.hs.example', port: 8448, priority: 10, weight: 5 },
    ]);
  });

  it.each(['ENOTFOUND', 'ENODATA'])('answers [] for %s', async (code) => {
    const lookup = nodeSrvLookup({
      resolveSrv: async () => {
        throw Object.assign(new Error(code), { code });
      },
    });
    expect(await lookup('_matrix-fed._tcp.none.example')).toEqual([]);
  });

  it('rejects other DNS errors', async () => {
    const lookup = nodeSrvLookup({
      resolveSrv: async () => {
        throw Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' });
      },
    });
    await expect(lookup('_matrix-fed._tcp.x.example')).rejects.toThrow('ESERVFAIL');
  });
});
