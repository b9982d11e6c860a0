/**
 * Summarizes a V8 `.cpuprofile` (as written by `node --cpu-prof`, e.g. `load.ts --profile`):
 * self time per function and per file or package, with the share of busy (non-idle) time.
 *
 * Run: `tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) {
  console.error('usage: profile-summary <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** Where a URL belongs: a workspace file, a package, or node's internals. */
function areaOf(url: string): string {
  if (url === '') return '(native/V8)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg ${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  const workspace = /\/(packages|apps)\/([^/]+)\/(.*)$/.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}/${workspace[3]}`;
  return url;
}

let total = 0;
let idle = 0;
const functions = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined) continue;
  total += us;
  const name = node.callFrame.functionName || '(anonymous)';
  if (name === '(idle)') {
    idle += us;
    continue;
  }
  const area = areaOf(node.callFrame.url);
  const key = `${name}  ${area}:${node.callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  areas.set(area, (areas.get(area) ?? 0) + us);
}
const busy = total - idle;
const top = Number(values.top);
const pct = (us: number): string => `${((100 * us) / busy).toFixed(1)}%`.padStart(6);
console.log(
  `profile: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%)`,
);
console.log('\nself time by file or package (share of busy time):');
for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${area}`);
console.log('\nself time by function:');
for (const [key, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${key}`);
