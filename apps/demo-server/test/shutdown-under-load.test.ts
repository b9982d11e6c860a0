/**
 * SIGTERM in the middle of traffic loses nothing acknowledged: the bin is started as an
 * operator would, listeners long-poll and senders PUT until the signal; every PUT answered
 * 200 must be in the final view of every listener that should see it. (The same run as
 * `bench/load.ts --scenario shutdown`, smaller.)
 */
import { describe, expect, it } from 'vitest';
import { runPresenceLoad } from '../bench/presence-load.ts';

describe('SIGTERM under load', () => {
  it('every acknowledged update reaches every interested listener before the server exits', async () => {
    const result = await runPresenceLoad({
      listeners: 60,
      rooms: 4,
      senders: 12,
      rate: 120,
      seconds: 5,
      warmupSeconds: 0,
      sigtermAtSeconds: 2.5,
    });
    expect(result.puts.acknowledged).toBeGreaterThan(100);
    // The senders went on after the signal: refused (503) or refused connections.
    expect(result.puts.sent).toBeGreaterThan(result.puts.acknowledged);
    expect(Object.keys(result.puts.refused).filter((status) => status !== '503')).toEqual([]);
    // 60 listeners see the 3 senders of their room; the auditor sees all 12.
    expect(result.viewsChecked).toBe(60 * 3 + 12);
    expect(result.staleExamples).toEqual([]);
    expect(result.staleViews).toBe(0);
    expect(result.serverExitCode).toBe(0);
  }, 60_000);
});
