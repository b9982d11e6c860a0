/**
 * The narrowing scenario's definition and figures (issue 12, "the cost of narrowing"): the
 * grouped engine with module denials against the same engine additive-only and the floor,
 * the operator-policy variant, and MSC4495's selective recipients against default routing.
 *
 * @example
 * ```ts
 * const figures = results.scenarios.find((s) => s.kind === 'narrowing')?.narrowing;
 * figures?.narrowedVsAdditive.ratioOfMedians; // e.g. 1.2
 * ```
 * @module
 */
import type { WorkloadOptions } from './workload.ts';

/** The narrowing scenario. */
export interface NarrowingScenario {
  readonly kind: 'narrowing';
  readonly name: string;
  readonly description: string;
  readonly workload: WorkloadOptions;
  readonly batchSize: number;
  /** Untimed batches at the start of each round. */
  readonly warmup: number;
  /** Timed batches per round and implementation. */
  readonly measured: number;
  /** Rounds; each runs every implementation over the same batches, in a rotated order. */
  readonly rounds: number;
  /**
   * Batches (of the measured ones) the MSC4495 part counts and times, `msc:default` on the
   * same ones: `selectiveRecipientsForBatch` builds one `Set` per update (seconds a batch at
   * 20k users).
   */
  readonly mscBatches: number;
  /** The policy variant's `maxRoomSize`. */
  readonly maxRoomSize: number;
  /** The goal for narrowed / additive (1.5). */
  readonly goal: number;
}

/** One implementation's per-batch times over every round. */
export interface NarrowingTiming {
  readonly implementation: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Mean recipients per batch (local + remote users), from an untimed pass. */
  readonly recipientsPerBatch: number;
}

/** A ratio of two implementations' times on the same batches. */
export interface PairedRatio {
  /** p50 of one / p50 of the other. */
  readonly ratioOfMedians: number;
  /** p50 and p99 of the per-batch ratios (same batch, same round). */
  readonly pairedP50: number;
  readonly pairedP99: number;
}

/** MSC4495 selective recipients against default routing (per update). */
export interface MscFigures {
  readonly updates: number;
  /** Batches counted and timed. */
  readonly batches: number;
  readonly settingsKinds: Readonly<Record<string, number>>;
  readonly suggestShare: number;
  readonly defaultRecipientsPerUpdate: number;
  readonly mscRecipientsPerUpdate: number;
  /** Distinct remote servers per update (one EDU entry each). */
  readonly defaultEdusPerUpdate: number;
  readonly mscEdusPerUpdate: number;
  /** `selectiveRecipientsForBatch` time / the engine's default fan-out (no modules). */
  readonly computeVsDefault: PairedRatio;
}

/** Everything the narrowing scenario reports beside its implementations. */
export interface NarrowingFigures {
  readonly largeRoomId: string;
  readonly largeRoomMembers: number;
  readonly denyingUsers: number;
  readonly localOnlyUsers: number;
  readonly remoteServers: number;
  readonly maxRoomSize: number;
  readonly rounds: number;
  readonly timings: readonly NarrowingTiming[];
  readonly narrowedVsAdditive: PairedRatio;
  readonly narrowedVsFloor: PairedRatio;
  readonly additiveVsFloor: PairedRatio;
  readonly policyVsAdditive: PairedRatio;
  readonly goal: number;
  /** Whether narrowed / additive (ratio of medians) is under the goal. */
  readonly goalMet: boolean;
  readonly msc: MscFigures;
}
