import { describe, expect, it } from 'vitest';
import { MemorySampler, measureBatches, timingStats } from '../src/measurement.ts';

describe('timingStats', () => {
  it.each([
    {
      what: 'an even count (20..1)',
      durations: Array.from({ length: 20 }, (_, i) => 20 - i),
      stats: { samples: 20, medianMs: 10.5, p95Ms: 19, meanMs: 10.5, minMs: 1, maxMs: 20 },
    },
    {
      what: 'an odd count, unsorted',
      durations: [3, 1, 2],
      stats: { samples: 3, medianMs: 2, p95Ms: 3, meanMs: 2, minMs: 1, maxMs: 3 },
    },
    {
      what: 'one sample',
      durations: [7],
      stats: { samples: 1, medianMs: 7, p95Ms: 7, meanMs: 7, minMs: 7, maxMs: 7 },
    },
    {
      what: 'no samples (NaN figures)',
      durations: [],
      stats: {
        samples: 0,
        medianMs: Number.NaN,
        p95Ms: Number.NaN,
        meanMs: Number.NaN,
        minMs: Number.NaN,
        maxMs: Number.NaN,
      },
    },
  ])('gives median, nearest-rank p95, mean, min and max of $what', ({ durations, stats }) => {
    expect(timingStats(durations)).toEqual(stats);
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
