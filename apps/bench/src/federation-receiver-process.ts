/**
 * The receivers' process of the federation benchmark (started by
 * {@link FederationReceivers.start}, talking to it over Node's IPC channel): one
 * {@link DestinationServer} per destination name, each with its own `ServerKeyStore`
 * fetching the origin's keys over HTTP (`createNodeFederationFetch`, the origin's key
 * endpoint reached through a `ServerResolver` override). Commands: `start`, `collect` (what
 * was applied since the previous collect, the handlers' counters and this process's CPU
 * time), `stop`. The process ends when its parent goes away.
 *
 * @example
 * ```sh
 * # not run by hand: FederationReceivers.start() spawns it with the bench's flags
 * node --conditions=@presence-router/source --import tsx src/federation-receiver-process.ts
 * ```
 * @module
 */
import { silentLogger } from '@presence-router/core';
import { ServerKeyStore, ServerResolver } from '@presence-router/federation';
import { createNodeFederationFetch } from '@presence-router/federation/node';
import {
  DestinationServer,
  emptySink,
  type ReceiverSink,
  resetSink,
} from './federation-destination-server.ts';
import type {
  ReceiverCommand,
  ReceiverReply,
  ReceiverReport,
  ReceiversOptions,
} from './federation-receivers.ts';

interface Totals {
  transactionsApplied: number;
  duplicates: number;
  unauthorized: number;
  refused: number;
  presenceDropped: number;
  keyFetches: number;
}

const servers: DestinationServer[] = [];
const keyStores: ServerKeyStore[] = [];
const sink: ReceiverSink = emptySink();
let reported: Totals = totals();
let cpu = process.cpuUsage();

function totals(): Totals {
  const sum: Totals = {
    transactionsApplied: 0,
    duplicates: 0,
    unauthorized: 0,
    refused: 0,
    presenceDropped: 0,
    keyFetches: 0,
  };
  for (const server of servers) {
    const m = server.handler.metrics();
    sum.transactionsApplied += m.transactionsApplied;
    sum.duplicates += m.duplicates;
    sum.unauthorized += m.unauthorized;
    sum.refused += m.refused;
    sum.presenceDropped += m.presenceDropped;
  }
  for (const store of keyStores) sum.keyFetches += store.metrics().fetches;
  return sum;
}

async function start(options: ReceiversOptions): Promise<number[]> {
  const fetch = createNodeFederationFetch({
    resolver: new ServerResolver({ overrides: { [options.origin]: options.originKeyUrl } }),
  });
  const ports: number[] = [];
  for (const [index, name] of options.destinations.entries()) {
    // Each destination is its own server: its own key store, fetching the origin's key once.
    const keyStore = new ServerKeyStore({ fetch, logger: silentLogger });
    keyStores.push(keyStore);
    const server = new DestinationServer(index, name, keyStore, sink);
    servers.push(server);
    ports.push(await server.listen());
  }
  reported = totals();
  cpu = process.cpuUsage();
  return ports;
}

function collect(): ReceiverReport {
  const now = totals();
  const used = process.cpuUsage(cpu);
  const report: ReceiverReport = {
    transactions: sink.applied,
    requests: sink.requests,
    edus: sink.edus,
    states: sink.states,
    mostEdusPerTransaction: sink.mostEdusPerTransaction,
    mostStatesPerEdu: sink.mostStatesPerEdu,
    inbound: {
      transactionsApplied: now.transactionsApplied - reported.transactionsApplied,
      duplicates: now.duplicates - reported.duplicates,
      unauthorized: now.unauthorized - reported.unauthorized,
      refused: now.refused - reported.refused,
      presenceDropped: now.presenceDropped - reported.presenceDropped,
    },
    unsigned: { ...sink.unsigned },
    keyFetches: now.keyFetches - reported.keyFetches,
    cpuMs: (used.user + used.system) / 1000,
  };
  resetSink(sink);
  reported = now;
  cpu = process.cpuUsage();
  return report;
}

async function handle(command: ReceiverCommand): Promise<ReceiverReply> {
  switch (command.type) {
    case 'start':
      return { type: 'started', ports: await start(command) };
    case 'collect':
      return { type: 'collected', report: collect() };
    case 'stop':
      await Promise.all(servers.map((server) => server.close()));
      return { type: 'stopped' };
  }
}

process.on('message', (command: ReceiverCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies ReceiverReply),
  );
});
process.on('disconnect', () => process.exit(0));
