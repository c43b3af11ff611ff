/**
 * The layering rules of ARCHITECTURE.md, checked on the source tree: the runtime never imports a job or a concrete
 * operator (only the operator contract and registry); nothing below src/jobs imports a job; only src/state imports
 * lmdb.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? relative(src, resolve(dirname(file), s)) : s));
}

const files = sourceFiles(src).map((f) => ({ file: relative(src, f), imports: imports(f) }));

test('the source tree is where the test expects it', () => {
  assert.ok(files.some((f) => f.file === join('runtime', 'runner.ts')));
});

test('the runtime imports no job and no concrete operator', () => {
  const offending = files
    .filter((f) => f.file.startsWith('runtime'))
    .flatMap((f) => f.imports.filter((i) => i.startsWith('jobs') || (i.startsWith('operators') && !/^operators\/(registry|operator)\.js$/.test(i))).map((i) => `${f.file} -> ${i}`));
  assert.deepEqual(offending, []);
});

test('only jobs (and the CLI) import jobs', () => {
  const offending = files
    .filter((f) => !f.file.startsWith('jobs') && f.file !== 'cli.ts')
    .flatMap((f) => f.imports.filter((i) => i.startsWith('jobs')).map((i) => `${f.file} -> ${i}`));
  assert.deepEqual(offending, []);
});

test('only src/state imports lmdb', () => {
  const offending = files.filter((f) => !f.file.startsWith('state') && f.imports.includes('lmdb')).map((f) => f.file);
  assert.deepEqual(offending, []);
});
