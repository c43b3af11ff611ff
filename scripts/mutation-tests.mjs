/**
 * The test command of a mutation run (stryker.config.mjs): runs, of the group's test files given as arguments, only
 * those that import the source file holding the active mutant, directly or through other modules. Stryker's command
 * runner knows no tests, so without this every mutant would run every test file of its group (the stats group's
 * always-valid tests alone take about 20 s). Without an active mutant (Stryker's first, unmutated run) every file runs.
 *
 * A mutant's source file is found in the sandbox's compiled dist/: the instrumented code names each mutant it holds
 * as stryMutAct_9fa48("id"). The import graph is read from the compiled files' relative static imports, which is
 * every import the modules under mutation testing and their tests use (MUTATION_ALL_TESTS=1 runs every file anyway).
 * The test files run in this one process, as `node dist/test/x.test.js` runs one: a process start per mutant instead
 * of two and one per file, which is most of a mutant's time on a busy machine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const testFiles = process.argv.slice(2).map((f) => resolve(f));
const activeMutant = process.env.__STRYKER_ACTIVE_MUTANT__;

/** Every .js file under a directory. */
function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

/** The compiled file that holds a mutant: only instrumented files mention the helper. */
function fileOfMutant(id) {
  const marker = `stryMutAct_9fa48("${id}")`;
  return jsFiles(resolve('dist/src')).find((f) => {
    const code = readFileSync(f, 'utf8');
    return code.includes('stryMutAct_9fa48') && code.includes(marker);
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Whether `file` imports `target`, directly or through the modules it imports. */
function reaches(file, target, seen = new Set()) {
  if (file === target) return true;
  if (seen.has(file) || !existsSync(file)) return false;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (reaches(resolve(dirname(file), m[1] ?? m[2] ?? m[3]), target, seen)) return true;
  }
  return false;
}

let selected = testFiles;
if (activeMutant !== undefined && process.env.MUTATION_ALL_TESTS !== '1') {
  const mutated = fileOfMutant(activeMutant);
  if (mutated === undefined) throw new Error(`mutant ${activeMutant} is in no compiled file under dist/src: was the sandbox built?`);
  selected = testFiles.filter((t) => reaches(t, mutated));
}
if (selected.length === 0) {
  // No test file reaches the mutated code: the mutant survives, as it would with every file run.
  console.log(`mutant ${activeMutant}: no test file of the group imports its module`);
  process.exit(0);
}
// node:test runs what the imported modules register and sets a failing exit code if a test fails.
for (const file of selected) await import(pathToFileURL(file).href);
