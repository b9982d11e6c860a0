/**
 * `@presence-router/test-support` (private): the fakes every package's tests share. It
 * depends on nothing; its fakes match core's interfaces structurally.
 *
 * @example
 * ```ts
 * import { FixedMembership, RecordingLogger, seededRandom } from '@presence-router/test-support';
 * ```
 * @module
 */
export { FixedMembership } from './fixed-membership.ts';
export type { LogData, LogLine } from './recording-logger.ts';
export { RecordingLogger } from './recording-logger.ts';
export { seededRandom } from './seeded-random.ts';
