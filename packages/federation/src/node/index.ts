/**
 * `@presence-router/federation/node`: the Node-only parts, kept out of the main entry so that
 * it runs anywhere: SRV lookups with `node:dns`, and a {@link FederationFetch} over
 * `node:https` that sends the `Host` header and TLS server name server discovery asks for.
 * Deno runs it too (through its `node:` compatibility).
 *
 * @example
 * ```ts
 * import { ServerKeyStore, ServerResolver } from '@presence-router/federation';
 * import { createNodeFederationFetch, nodeSrvLookup } from '@presence-router/federation/node';
 *
 * const resolver = new ServerResolver({ lookupSrv: nodeSrvLookup() });
 * const fetch = createNodeFederationFetch({ resolver });
 * const keyStore = new ServerKeyStore({ fetch });
 * ```
 * @module
 */
export type { FederationFetch } from '../federation-fetch.ts';
export type { NodeFederationFetchOptions } from './node-federation-fetch.ts';
/** A FederationFetch over node:https honouring discovery's Host header and TLS server name. */
export { createNodeFederationFetch } from './node-federation-fetch.ts';
export type { SrvResolverLike } from './srv-lookup.ts';
/** SRV lookups with node:dns (no record: an empty list). */
export { nodeSrvLookup } from './srv-lookup.ts';
