/**
 * Mutation testing with StrykerJS (docs/testing.md, "Mutation testing"). The modules are tested in groups, each with
 * the source files it mutates and the compiled test files that cover them: the test command runs for every mutant,
 * so it runs only those files, and of them only the ones that import the mutated file (scripts/mutation-tests.mjs).
 * MUTATION_GROUP picks the group (scripts/test-mutation.mjs runs them one after another).
 * node:test has no Stryker runner: the command runner runs the group's test files on the sandbox's dist/, built once
 * with every mutant switched in (mutation switching; the active mutant comes from an environment variable that
 * worker threads and child processes inherit). The TypeScript checker drops mutants that do not compile.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';

/** The compiled test files of a test directory, less those named in `except`. */
function testFiles(dir, except = []) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && !except.includes(f))
    .sort()
    .map((f) => `dist/${dir}/${f.replace(/\.ts$/, '.js')}`);
}

export const groups = {
  // The slot batch, timers, forward chunks and the LMDB reader: fast tests on real LMDB files. The full-disk test runs
  // a whole job (about a minute on a busy machine, past a mutant's timeout, so every mutant would count as one) and
  // is left out; storage-errors.test.ts checks what it relies on of src/state.
  state: {
    mutate: ['src/state/*.ts', '!src/state/state-dir-lock.ts'],
    tests: testFiles('test/state', ['state-dir-lock.test.ts', 'storage-full.test.ts']),
  },
  // The state directory lock starts real processes (about 25 s a run): a group of its own.
  'state-dir-lock': {
    mutate: ['src/state/state-dir-lock.ts'],
    tests: ['dist/test/state/state-dir-lock.test.js'],
  },
  window: {
    mutate: ['src/operators/window-aggregate.ts', 'src/operators/window-panes.ts'],
    tests: testFiles('test/operators').filter((f) => f.includes('window')),
  },
  // The whole-job model tests (model-job, model-restart) take one to two minutes a run: left out (docs/testing.md).
  model: {
    mutate: ['src/jobs/model/*.ts'],
    tests: testFiles('test/jobs/model', ['model-job.test.ts', 'model-restart.test.ts']),
  },
  stats: {
    mutate: ['src/jobs/experiments/stats/*.ts'],
    tests: testFiles('test/jobs/experiments/stats'),
  },
};

const name = process.env.MUTATION_GROUP ?? 'state';
const group = groups[name];
if (!group) throw new Error(`MUTATION_GROUP=${name} is not a mutation group; one of: ${Object.keys(groups).join(', ')}`);

/**
 * The TypeScript checker type-checks each mutant, the slowest part of a mutant's run here. Its program is the group's
 * mutated files and what they import, not the whole project: a mutant then re-checks its own file, not every module
 * that imports it. Written next to the project (ignored by git) so that the sandbox copy has it.
 */
function checkerTsconfig() {
  mkdirSync('.mutation-tsconfig', { recursive: true });
  const file = `.mutation-tsconfig/${name}.json`;
  const patterns = (negated) => group.mutate.filter((p) => p.startsWith('!') === negated).map((p) => `../${p.replace(/^!/, '')}`);
  writeFileSync(file, `${JSON.stringify({ extends: '../tsconfig.json', include: patterns(false), exclude: patterns(true) }, null, 2)}\n`);
  return file;
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'command',
  // Runs before node_modules is linked into the sandbox; Stryker puts the project's node_modules/.bin on PATH.
  buildCommand: 'tsc -p tsconfig.json',
  commandRunner: { command: `node scripts/mutation-tests.mjs ${group.tests.join(' ')}` },
  checkers: ['typescript'],
  tsconfigFile: checkerTsconfig(),
  mutate: group.mutate,
  // The sandbox is a copy of the project; outputs and run directories are not needed there (dist/ is rebuilt).
  // Anchored at the root: a bare 'state' would also leave out src/state and test/state.
  ignorePatterns: ['/dist', '/reports', '/state', '/out', '/.flywheel', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Two cores shared with other work: one test process at a time unless --concurrency says otherwise.
  concurrency: 1,
  // A mutant's run may take 1.5 times the unmutated run plus 10 s before it counts as a timeout (an endless loop).
  timeoutFactor: 1.5,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // With --reporters ...,event-recorder: each mutant's result as it comes, for a look at a long run before its end.
  eventReporter: { baseDir: `reports/mutation/events-${name}` },
  clearTextReporter: { allowColor: false, logTests: false },
  thresholds: { high: 85, low: 70, break: null },
};
