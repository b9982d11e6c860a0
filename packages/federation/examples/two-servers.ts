/**
 * The README's example: two servers in one process. hs.example sends its users' presence to
 * remote.example in a signed transaction; remote.example fetches hs.example's keys, checks the
 * signature and receives the states. Run from the repository root:
 *
 * ```sh
 * tsx --conditions=@presence-router/source packages/federation/examples/two-servers.ts
 * ```
 * @module
 */
// README example: begin
import { userPresenceState } from '@presence-router/core';
import {
  buildServerKeyResponse,
  createTransactionTransport,
  type FederationFetch,
  FederationPresenceSender,
  generateSigningKey,
  InboundTransactionHandler,
  ServerKeyStore,
} from '@presence-router/federation';

const hsKey = await generateSigningKey(); // or parseSigningKeyFile(Synapse's signing.key)

// remote.example: checks the X-Matrix signature against hs.example's keys, then gets presence.
const remoteInbound = new InboundTransactionHandler({
  serverName: 'remote.example',
  keyStore: new ServerKeyStore({ fetch: (name, request) => network(name, request) }),
  onPresence: (states, origin) => {
    for (const s of states)
      console.log(`remote.example <- ${origin}: ${s.userId} ${s.state} ${s.statusMsg ?? '-'}`);
  },
});

// How a request reaches a server. In production: createFederationFetch({ resolver }) or, on
// Node, createNodeFederationFetch({ resolver }) from '@presence-router/federation/node'.
// Here both servers are in this process.
const network: FederationFetch = async (serverName, request) => {
  if (serverName === 'hs.example' && request.path === '/_matrix/key/v2/server') {
    const validUntilTs = Date.now() + 24 * 60 * 60 * 1000;
    return Response.json(
      await buildServerKeyResponse({ serverName, signingKeys: [hsKey], validUntilTs }),
    );
  }
  if (serverName === 'remote.example') {
    const { status, body } = await remoteInbound.handle({
      method: request.method,
      uri: request.path,
      authorization: request.headers?.authorization,
      body: request.body ?? '',
    });
    return Response.json(body, { status });
  }
  throw new Error(`no route to ${serverName}`);
};

// hs.example: one queue per destination, signed transactions, backoff and keep-alive.
const sender = new FederationPresenceSender({
  serverName: 'hs.example',
  transport: createTransactionTransport({
    origin: 'hs.example',
    signingKey: hsKey,
    fetch: network,
  }),
});
sender.send('remote.example', [
  userPresenceState('@alice:hs.example', { state: 'online', statusMsg: 'in a meeting' }),
  userPresenceState('@bob:hs.example', { state: 'unavailable' }),
]);
await sender.idle();
console.log(`transactions sent: ${sender.snapshot().transactionsSent}`);
await sender.close();
// README example: end
