#!/usr/bin/env node
/**
 * The whole test suite, as `npm test` and CI run it: lint, type checks, every Vitest project
 * on Node, the Deno runs, then one totals line: `N passed, N failed` (skips, when any, on the
 * line before it).
 * Lint and each package's type check count as one check each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(title, command, args, options = {}) {
  console.log(`\n━━ ${title} ━━`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  const ok = result.status === 0;
  console.log(
    `━━ ${title}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return ok;
}

function countCheck(title, ok) {
  if (ok) totals.passed++;
  else {
    totals.failed++;
    failures.push(title);
  }
}

function readReport(file, label) {
  if (!existsSync(file)) {
    totals.failed++;
    failures.push(`${label}: no report was written (the runner crashed?)`);
    return;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if ((report.numFailedTests ?? 0) > 0) failures.push(`${label}: ${report.numFailedTests} failed`);
  // Name every failed test at the end, where a truncated log still shows it.
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const where = relative(root, file.name);
      const why = String(test.failureMessages?.[0] ?? '')
        .split('\n')[0]
        .slice(0, 300);
      failures.push(`${label}: ${where} > ${test.fullName ?? test.title}\n      ${why}`);
    }
  }
  // A test file that failed to load counts as a failure even though no test ran in it.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      totals.failed++;
      failures.push(`${label}: ${file.name} failed to run: ${String(file.message).split('\n')[0]}`);
    }
  }
}

const reports = join(root, '.reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

countCheck('lint', step('Lint and format (biome)', bin('biome'), ['check', '.']));
countCheck(
  'check-types',
  step('Type checks (turbo check-types)', bin('turbo'), [
    'run',
    'check-types',
    '--output-logs=errors-only',
  ]),
);

const vitestOk = step('Tests on Node (vitest, all projects)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reports, 'vitest.json')}`,
]);
readReport(join(reports, 'vitest.json'), 'vitest');
if (!vitestOk && totals.failed === 0) {
  totals.failed++;
  failures.push('vitest exited with an error');
}

for (const dir of ['packages', 'apps']) {
  const base = join(root, dir);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base).sort()) {
    const pkgDir = join(base, name);
    const manifestPath = join(pkgDir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.scripts?.['test:deno']) continue;
    const report = join(pkgDir, '.reports', 'deno.json');
    rmSync(report, { force: true });
    const ok = step(`Tests on Deno (${manifest.name})`, bin('pnpm'), ['run', 'test:deno'], {
      cwd: pkgDir,
    });
    readReport(report, `deno ${manifest.name}`);
    if (!ok && !failures.some((f) => f.startsWith(`deno ${manifest.name}`))) {
      totals.failed++;
      failures.push(`deno ${manifest.name} exited with an error`);
    }
  }
}

console.log('');
if (failures.length > 0) {
  console.log('Failures:');
  for (const failure of failures) console.log(`  - ${failure}`);
}
if (totals.skipped > 0) {
  console.log(
    `${totals.skipped} skipped (declared: a backend without a capability, or a missing service outside CI; the runner output above names each)`,
  );
}
// The last line is the totals, exactly `N passed, N failed`.
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
