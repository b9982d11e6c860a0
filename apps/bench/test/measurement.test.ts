import { describe, expect, it } from 'vitest';
import { MemorySampler, measureBatches, timingStats } from '../src/measurement.ts';

describe('timingStats', () => {
  it('computes median, nearest-rank p95, mean, min and max', () => {
    const stats = timingStats(Array.from({ length: 20 }, (_, i) => 20 - i)); // 20..1
    expect(stats).toEqual({
      samples: 20,
      medianMs: 10.5,
      p95Ms: 19,
      meanMs: 10.5,
      minMs: 1,
      maxMs: 20,
    });
    expect(timingStats([3, 1, 2]).medianMs).toBe(2);
  });

  it('gives NaN figures for no samples', () => {
    expect(Number.isNaN(timingStats([]).medianMs)).toBe(true);
  });
});

describe('measureBatches', () => {
  it('runs every batch and times all but the warm-up ones', async () => {
    const seen: number[] = [];
    const run = await measureBatches([1, 2, 3, 4, 5], { warmup: 2 }, (batch) => {
      seen.push(batch);
    });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(run.durationsMs).toHaveLength(3);
    expect(run.stats.samples).toBe(3);
    for (const d of run.durationsMs) expect(d).toBeGreaterThanOrEqual(0);
  });

  it('sees memory grow while a batch holds allocations', async () => {
    const sampler = new MemorySampler();
    sampler.start();
    const held = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `item ${i}` }));
    sampler.sample();
    const peak = sampler.stop();
    expect(held).toHaveLength(200_000);
    expect(peak.peakHeapBytes).toBeGreaterThan(peak.baselineHeapBytes);
    expect(peak.peakRssBytes).toBeGreaterThanOrEqual(peak.baselineRssBytes);
  });
});
