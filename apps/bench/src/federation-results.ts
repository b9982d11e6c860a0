/**
 * The federation scenario's own figures, kept in its `ScenarioResult` (`federation`) and
 * printed in the report's federation tables beside the local fan-out table: the sender's
 * throughput to 1 and to 100 destinations with its baselines, and the batching of a Pareto
 * workload's remote deliveries.
 *
 * @example
 * ```ts
 * const figures = results.scenarios.find((s) => s.kind === 'federation')?.federation;
 * figures?.throughput[0]?.edusPerSecond;
 * figures?.batching[0]?.statesPerTransaction;
 * ```
 * @module
 */
import type { LatencyPercentiles } from './measurement.ts';

/**
 * How a throughput phase feeds the sender: `full` hands each destination all its states in
 * one `send()` (transactions of 100 EDUs of 50 states); `single` sends one state per
 * destination and waits until every destination applied it before the next round
 * (transactions of one EDU of one state).
 */
export type ThroughputMode = 'full' | 'single';

/** One throughput phase: the signed run, then its baselines on the same transactions. */
export interface ThroughputFigures {
  readonly destinations: number;
  readonly mode: ThroughputMode;
  readonly statesPerDestination: number;
  readonly transactions: number;
  readonly edus: number;
  readonly states: number;
  /** From the first `send()` until every destination answered its last transaction. */
  readonly seconds: number;
  readonly transactionsPerSecond: number;
  readonly edusPerSecond: number;
  readonly statesPerSecond: number;
  /** Per state: `send()` to the destination's `onPresence` (after verification). */
  readonly latency: LatencyPercentiles;
  /** CPU time of the sending process (the benchmark's) and of the receivers' process. */
  readonly senderCpuMsPerTransaction: number;
  readonly receiverCpuMsPerTransaction: number;
  /** Baseline: signing the same transactions one after the other, no HTTP. */
  readonly signingMsPerTransaction: number;
  /** Baseline: the same bodies PUT unsigned, one in flight per destination. */
  readonly unsignedSeconds: number;
  readonly unsignedTransactionsPerSecond: number;
  /** Per request of the unsigned baseline. */
  readonly unsignedLatency: LatencyPercentiles;
  /** `seconds / unsignedSeconds`: the signed, verified path against the transport floor. */
  readonly signedVsUnsigned: number;
  /** Signing every transaction (the baseline) / `seconds`: the share signing takes. */
  readonly signingShare: number;
  /** Signing's CPU time / the sending process's CPU time in the signed run. */
  readonly signingCpuShare: number;
}

/**
 * How the batching part feeds fan-out results to the sender: `drained` waits until every
 * destination applied a batch before fanning out the next; `back-to-back` fans out and
 * queues the batches one after the other, without waiting, as a busy server does.
 */
export type BatchingFeed = 'drained' | 'back-to-back';

/** The batching of one feed of the Pareto workload's remote deliveries. */
export interface BatchingFigures {
  readonly feed: BatchingFeed;
  readonly batches: number;
  /** Local users' updates fanned out. */
  readonly updates: number;
  /** (update, destination server) pairs of the fan-outs: one transaction each if unbatched. */
  readonly pairs: number;
  /** Destination servers that received something. */
  readonly destinations: number;
  readonly transactions: number;
  readonly edus: number;
  /** States sent (fewer than `pairs` when a newer state replaced a waiting one). */
  readonly states: number;
  readonly statesPerTransaction: number;
  readonly edusPerTransaction: number;
  readonly statesPerEdu: number;
  readonly transactionsPerDestination: number;
  /** `pairs / transactions`: how many times fewer transactions than one per update. */
  readonly batchingRatio: number;
  /** First fan-out to every destination's last answer. */
  readonly seconds: number;
}

/** The federation scenario's figures. */
export interface FederationFigures {
  readonly throughput: readonly ThroughputFigures[];
  readonly batching: readonly BatchingFigures[];
  /** Destination servers the receivers' process served (one port each). */
  readonly receivingServers: number;
}
