/**
 * `node scripts/mutation-baseline.mjs REF GROUP...`: the mutation score each group's last run
 * (reports/mutation/GROUP.json) would have had with only the test files that existed at git revision REF, beside
 * the score it had: what the tests added since REF kill. A killed mutant counts for REF when a test of a file that
 * existed at REF failed on it; the run's output, kept in the report as the mutant's status reason, names the file
 * of each failing test (TAP `location:`). A mutant that timed out, or that failed before any test reported, counts
 * for both. The mutated source is the same in both columns: the run's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [ref, ...groupNames] = process.argv.slice(2);
if (ref === undefined || groupNames.length === 0) {
  console.error('usage: node scripts/mutation-baseline.mjs REF GROUP...');
  process.exit(2);
}
const testsAtRef = new Set(
  execFileSync('git', ['ls-tree', '-r', '--name-only', ref, 'test/'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `dist/${f.replace(/\.ts$/, '.js')}`),
);

/** The test files (as dist/test/...) of the tests that failed, from a mutant's TAP output. */
function failingFiles(output) {
  const files = new Set();
  for (const block of output.split(/^(?=\s*not ok \d+ - )/m).slice(1)) {
    const location = /location: '[^']*?\/(dist\/test\/[^':]+):\d+:\d+'/.exec(block);
    if (location) files.add(location[1]);
  }
  return files;
}

function killedAtRef(mutant) {
  if (mutant.status === 'Timeout') return true;
  const files = failingFiles(mutant.statusReason ?? '');
  return files.size === 0 || [...files].some((f) => testsAtRef.has(f));
}

const percent = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
console.log(`${'group'.padEnd(16)} ${'file'.padEnd(52)} ${('tests at ' + ref).padEnd(22)} now`);
for (const group of groupNames) {
  const report = JSON.parse(readFileSync(`reports/mutation/${group}.json`, 'utf8'));
  const totals = { before: 0, now: 0, valid: 0 };
  const rows = Object.entries(report.files).map(([file, { mutants }]) => {
    const valid = mutants.filter((m) => ['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status));
    const now = valid.filter((m) => m.status === 'Killed' || m.status === 'Timeout');
    const before = now.filter(killedAtRef);
    totals.before += before.length;
    totals.now += now.length;
    totals.valid += valid.length;
    return [file, before.length, now.length, valid.length];
  });
  rows.push(['all', totals.before, totals.now, totals.valid]);
  for (const [file, before, now, valid] of rows) {
    console.log(
      `${group.padEnd(16)} ${file.padEnd(52)} ${`${before} / ${valid} ${percent(before, valid)}`.padEnd(22)} ${now} / ${valid} ${percent(now, valid)}`,
    );
  }
}
