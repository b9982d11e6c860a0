import { readFileSync } from 'node:fs';
import { PresenceRouter, silentLogger } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import * as bench from '../src/index.ts';

/** The names the README's library example imports from `@presence-router/bench`. */
function documentedNames(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /import \{([^}]*)\} from '@presence-router\/bench'/.exec(readme)?.[1] ?? '';
  return block
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .sort();
}

describe('the package index', () => {
  it('exports exactly the values the README documents', () => {
    expect(documentedNames()).toHaveLength(7);
    expect(Object.keys(bench).sort()).toEqual(documentedNames());
  });

  it("runs the README's example: engine, naive and floor name the same recipients", async () => {
    const { FloorFanOut, WorkloadMembership, createExampleRouter } = bench;
    const workload = bench.generateWorkload({ users: 2000, shape: 'pareto', seed: 1 });
    const plan = bench.generateRouterPlan(workload, { seed: 1 });
    const [batch] = bench.generateBatches(workload, { size: 20, count: 1, seed: 1 });
    if (batch === undefined) throw new Error('no batch');
    const membership = new WorkloadMembership(workload);
    const module = createExampleRouter(plan, membership, 'bench.test');
    const router = new PresenceRouter({
      serverName: 'bench.test',
      membership,
      modules: [module],
      logger: silentLogger,
    });
    const grouped = await router.fanOut(batch.states);
    const naive = await bench.naiveFanOut(batch.states, membership, module);
    const recipients = new FloorFanOut(workload, plan).fanOut(batch.users);
    const engineRecipients = grouped.groups.reduce((sum, group) => sum + group.userIds.length, 0);
    expect(recipients).toBeGreaterThan(batch.users.length);
    expect(naive.size).toBe(recipients);
    expect(engineRecipients).toBe(recipients); // no remote users in this workload
  });
});
