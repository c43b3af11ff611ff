/**
 * `npm run test:mutation [-- GROUP...] [-- STRYKER OPTIONS]`: runs Stryker once per mutation group of
 * stryker.config.mjs (all of them, or those named), at low CPU priority, then prints each group's mutation score
 * per file from its JSON report (reports/mutation/GROUP.json). Arguments that start with `--` go to Stryker
 * (for example --concurrency 2), except `--changed REF`: only the files under mutation testing that differ from git
 * revision REF are mutated, in the groups that hold them (nothing runs when there are none). Exits non-zero if a
 * Stryker run failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { groups } from '../stryker.config.mjs';

/** Whether a group's mutate patterns (`dir/*.ts`, exact paths, `!` to leave out) take `file`. */
function mutates(patterns, file) {
  const match = (p) => (p.includes('*') ? dirname(p) === dirname(file) && file.endsWith(p.slice(p.lastIndexOf('*') + 1)) : p === file);
  return patterns.some((p) => !p.startsWith('!') && match(p)) && !patterns.some((p) => p.startsWith('!') && match(p.slice(1)));
}

/** The files that differ from `ref` (and still exist), by the group that mutates them. */
function changedByGroup(ref) {
  const changed = execFileSync('git', ['diff', '--name-only', ref, '--'], { encoding: 'utf8' }).split('\n').filter((f) => f !== '' && existsSync(f));
  const byGroup = new Map();
  for (const [name, group] of Object.entries(groups)) {
    const files = changed.filter((f) => mutates(group.mutate, f));
    if (files.length > 0) byGroup.set(name, files);
  }
  return byGroup;
}

const args = process.argv.slice(2);
const strykerArgs = [];
const named = [];
let changedSince = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--changed') changedSince = args[++i];
  else if (args[i].startsWith('--')) {
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
setPriority(5);

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

const runs = new Map((named.length > 0 ? named : Object.keys(groups)).map((g) => [g, []]));
if (changedSince !== null) {
  const changed = changedByGroup(changedSince);
  for (const g of runs.keys()) if (!changed.has(g)) runs.delete(g);
  for (const g of runs.keys()) runs.set(g, ['--mutate', changed.get(g).join(',')]);
  if (runs.size === 0) console.log(`no file under mutation testing differs from ${changedSince}`);
}

let failed = false;
const summary = [];
for (const [group, mutateArgs] of runs) {
  console.log(`\n== mutation group ${group}`);
  const run = spawnSync('npx', ['stryker', 'run', ...strykerArgs, ...mutateArgs], { stdio: 'inherit', env: { ...process.env, MUTATION_GROUP: group } });
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
