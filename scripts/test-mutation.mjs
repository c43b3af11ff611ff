/**
 * `npm run test:mutation [-- GROUP...] [-- STRYKER OPTIONS]`: runs Stryker once per mutation group of
 * stryker.config.mjs (all of them, or those named), at low CPU priority, then prints each group's mutation score
 * per file from its JSON report (reports/mutation/GROUP.json). Arguments that start with `--` go to Stryker
 * (for example --concurrency 2), except `--changed REF`: only the lines that differ from git revision REF, in the
 * files under mutation testing, are mutated, in the groups that hold them (nothing runs when there are none): a run
 * as long as the change is large; with `--max-lines N` nothing runs when more than N lines changed. Exits non-zero
 * if a Stryker run failed.
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

/** The lines of `file` that differ from `ref`, as Stryker mutate ranges (`file:first-last`). */
function changedRanges(ref, file) {
  const diff = execFileSync('git', ['diff', '--unified=0', ref, '--', file], { encoding: 'utf8' });
  // A hunk header `@@ -a,b +c,d @@` covers new lines c..c+d-1 (d is 1 when absent, 0 for a pure deletion).
  return [...diff.matchAll(/^@@ -\S+ \+(\d+)(?:,(\d+))? @@/gm)]
    .map((m) => [Number(m[1]), m[2] === undefined ? 1 : Number(m[2])])
    .filter(([, count]) => count > 0)
    .map(([first, count]) => `${file}:${first}-${first + count - 1}`);
}

/** The changed lines of the files under mutation testing that differ from `ref`, by the group that mutates them. */
function changedByGroup(ref) {
  const changed = execFileSync('git', ['diff', '--name-only', ref, '--'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && existsSync(f));
  const byGroup = new Map();
  for (const [name, group] of Object.entries(groups)) {
    const ranges = changed.filter((f) => mutates(group.mutate, f)).flatMap((f) => changedRanges(ref, f));
    if (ranges.length > 0) byGroup.set(name, ranges);
  }
  return byGroup;
}

const args = process.argv.slice(2);
const strykerArgs = [];
const named = [];
let changedSince = null;
let maxLines = Infinity;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--changed') changedSince = args[++i];
  else if (args[i] === '--max-lines') maxLines = Number(args[++i]);
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

const report = (group) => JSON.parse(readFileSync(`reports/mutation/${group}.json`, 'utf8'));

/** Killed or timed out, of the mutants that compiled and ran, per file and in all. */
function scores(group) {
  const rows = Object.entries(report(group).files).map(([file, { mutants }]) => {
    const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
    const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
    return { file, detected, valid };
  });
  const total = rows.reduce((t, r) => ({ file: 'all', detected: t.detected + r.detected, valid: t.valid + r.valid }), { file: 'all', detected: 0, valid: 0 });
  return [...rows, total];
}

const percent = ({ detected, valid }) => (valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`);

/** One line per mutant the tests let through: where, which mutation, and the code it put there. */
function survivors(group) {
  return Object.entries(report(group).files).flatMap(([file, { mutants }]) =>
    mutants
      .filter((m) => UNDETECTED.has(m.status))
      .map((m) => `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '')}`),
  );
}

const runs = new Map((named.length > 0 ? named : Object.keys(groups)).map((g) => [g, []]));
if (changedSince !== null) {
  const changed = changedByGroup(changedSince);
  for (const g of runs.keys()) if (!changed.has(g)) runs.delete(g);
  for (const g of runs.keys()) runs.set(g, ['--mutate', changed.get(g).join(',')]);
  if (runs.size === 0) {
    console.log(`no file under mutation testing differs from ${changedSince}`);
    process.exit(0);
  }
  const lines = [...runs.values()]
    .flatMap(([, ranges]) => ranges.split(','))
    .reduce((n, r) => n + Number(/-(\d+)$/.exec(r)[1]) - Number(/:(\d+)-/.exec(r)[1]) + 1, 0);
  if (lines > maxLines) {
    console.log(`${lines} changed lines under mutation testing, more than --max-lines ${maxLines}: no mutation run`);
    process.exit(0);
  }
}

let failed = false;
const summary = [];
const survived = [];
for (const [group, mutateArgs] of runs) {
  console.log(`\n== mutation group ${group}`);
  const run = spawnSync('npx', ['stryker', 'run', ...strykerArgs, ...mutateArgs], { stdio: 'inherit', env: { ...process.env, MUTATION_GROUP: group } });
  if (run.status !== 0) {
    failed = true;
    console.error(`Stryker failed on group ${group} (exit ${run.status})`);
    continue;
  }
  survived.push(...survivors(group).map((s) => `${group.padEnd(16)} ${s}`));
  for (const row of scores(group))
    summary.push(`${group.padEnd(16)} ${row.file.padEnd(52)} ${String(row.detected).padStart(5)} / ${String(row.valid).padEnd(5)} ${percent(row)}`);
}
console.log(`\n${'group'.padEnd(16)} ${'file'.padEnd(52)} killed / valid  score`);
for (const line of summary) console.log(line);
console.log(`\nsurvivors (${survived.length})`);
for (const line of survived) console.log(line);
process.exit(failed ? 1 : 0);
