/**
 * `npm run test:mutation [-- GROUP...] [-- STRYKER OPTIONS]`: runs Stryker once per mutation group of
 * stryker.config.mjs (all of them, or those named), at low CPU priority, then prints each group's mutation score
 * per file from its JSON report (reports/mutation/GROUP.json). Arguments that start with `--` go to Stryker
 * (for example --concurrency 2). Exits non-zero if a Stryker run failed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { groups } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const strykerArgs = [];
const named = [];
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) {
    strykerArgs.push(args[i]);
    if (args[i + 1] !== undefined && !args[i + 1].startsWith('--') && !(args[i + 1] in groups)) strykerArgs.push(args[++i]);
  } else named.push(args[i]);
}
const unknown = named.filter((g) => !(g in groups));
if (unknown.length > 0) {
  console.error(`not a mutation group: ${unknown.join(', ')}; the groups are ${Object.keys(groups).join(', ')}`);
  process.exit(2);
}
// Shared cores: the runs, their builds and test processes yield to other work.
setPriority(10);

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Killed or timed out, of the mutants that compiled and ran, per file and in all. */
function scores(group) {
  const report = JSON.parse(readFileSync(`reports/mutation/${group}.json`, 'utf8'));
  const rows = Object.entries(report.files).map(([file, { mutants }]) => {
    const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
    const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
    return { file, detected, valid };
  });
  const total = rows.reduce((t, r) => ({ file: 'all', detected: t.detected + r.detected, valid: t.valid + r.valid }), { file: 'all', detected: 0, valid: 0 });
  return [...rows, total];
}

const percent = ({ detected, valid }) => (valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`);

let failed = false;
const summary = [];
for (const group of named.length > 0 ? named : Object.keys(groups)) {
  console.log(`\n== mutation group ${group}`);
  const run = spawnSync('npx', ['stryker', 'run', ...strykerArgs], { stdio: 'inherit', env: { ...process.env, MUTATION_GROUP: group } });
  if (run.status !== 0) {
    failed = true;
    console.error(`Stryker failed on group ${group} (exit ${run.status})`);
    continue;
  }
  for (const row of scores(group)) summary.push(`${group.padEnd(16)} ${row.file.padEnd(52)} ${String(row.detected).padStart(5)} / ${String(row.valid).padEnd(5)} ${percent(row)}`);
}
console.log(`\n${'group'.padEnd(16)} ${'file'.padEnd(52)} killed / valid  score`);
for (const line of summary) console.log(line);
process.exit(failed ? 1 : 0);
