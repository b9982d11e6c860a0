/**
 * SRV lookups with `node:dns`, for {@link ServerResolver}'s `lookupSrv`.
 *
 * @example
 * ```ts
 * import { ServerResolver } from '@presence-router/federation';
 * import { nodeSrvLookup } from '@presence-router/federation/node';
 * const resolver = new ServerResolver({ lookupSrv: nodeSrvLookup() });
 * ```
 * @module
 */
import { promises as dns } from 'node:dns';
import type { SrvLookup, SrvRecord } from '../server-discovery.ts';

/** Something with node:dns's `resolveSrv` (the module, or a `dns.promises.Resolver`). */
export interface SrvResolverLike {
  resolveSrv(name: string): Promise<readonly SrvRecord[]>;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/**
 * An {@link SrvLookup} over `node:dns` (or the given resolver, e.g. one with its own DNS
 * servers): "no such name" and "no data" answers are an empty list; other DNS errors reject.
 */
export function nodeSrvLookup(resolver: SrvResolverLike = dns): SrvLookup {
  return async (name) => {
    try {
      const records = await resolver.resolveSrv(name);
      return records.map(({ name: target, port, priority, weight }) => ({
        name: target,
        port,
        priority,
        weight,
      }));
    } catch (error) {
      if (NOT_FOUND.has((error as { code?: string }).code ?? '')) return [];
      throw error;
    }
  };
}
