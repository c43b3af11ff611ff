#!/usr/bin/env node
/**
 * Lists the built test files of one part of the suite, for `npm run test:unit` and `npm run test:integration`:
 *   integration  a test that starts something outside its own thread of control: a job (the runner, launchJob,
 *                run()), a child process (the CLI, a crash harness), a worker thread, a Kafka broker, a listening port;
 *                or that imports a test module that does;
 *   unit         every other test: in-process logic, operators on virtual time, LMDB files, fastify's inject().
 * Read from the TypeScript sources (test/**), so a new test is sorted by what it does without being listed anywhere;
 * printed as the dist/ paths node --test runs, sorted. `npm test` runs both.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'test');

/** What in a test's source starts something beyond in-process calls. */
const STARTS_SOMETHING = [
  /from 'node:child_process'/,
  /from 'node:worker_threads'/,
  /\/src\/runtime\/(runner|launch|query-host)\.js'/,
  /\/src\/run\.js'/,
  /\bnew JobRunner\(|\blaunchJob\(|\brun\(\w+, \{ module/,
  /\/src\/connectors\/kafka\//,
  /\bstartQueryServer\b|\.listen\(/,
];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The test modules a source imports (relative imports that stay inside test/). */
function localImports(file, text) {
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)]
    .map((m) => resolve(dirname(file), `${m[1]}.ts`))
    .filter((path) => path.startsWith(testDir) && existsSync(path));
}

const verdicts = new Map();
function startsSomething(file, seen = new Set()) {
  if (verdicts.has(file)) return verdicts.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const verdict = STARTS_SOMETHING.some((marker) => marker.test(text)) || localImports(file, text).some((imported) => startsSomething(imported, seen));
  verdicts.set(file, verdict);
  return verdict;
}

const part = process.argv[2];
if (part !== 'unit' && part !== 'integration') {
  process.stderr.write('usage: node scripts/test-files.mjs unit|integration\n');
  process.exit(2);
}
const files = sources(testDir)
  .filter((file) => file.endsWith('.test.ts'))
  .filter((file) => startsSomething(file) === (part === 'integration'))
  .map((file) => join('dist', relative(root, file)).replace(/\.ts$/, '.js'))
  .sort();
process.stdout.write(files.join('\n') + '\n');
