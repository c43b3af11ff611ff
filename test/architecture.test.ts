/**
 * The layering rules (.dependency-cruiser.cjs) hold on the source tree, and each of them fails on a tree with a
 * planted violation, so a rule that no longer matches anything (a renamed folder, a broken pattern) shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cruiserBin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Cruises `dir`/src with the repository's rules: the violations found. */
function cruise(dir: string): Promise<{ violations: Violation[] }> {
  return new Promise((done, fail) => {
    const args = [cruiserBin, 'src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'];
    execFile(process.execPath, args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      try {
        const result = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        done({ violations: result.summary.violations });
      } catch {
        fail(new Error(`dependency-cruiser gave no result (exit ${code}): ${stderr}`));
      }
    });
  });
}

test('the source tree keeps every layer rule', async () => {
  const { violations } = await cruise(root);
  assert.deepEqual(
    violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
    [],
  );
});

test('each rule fails on a planted violation, and the allowed exceptions pass', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  // The planted lmdb import must resolve to the installed package, as it would in src/.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const files: Record<string, string> = {
    'core/leaf.ts': "import { engine } from '../runtime/engine.js';\nexport const leaf = engine;\n",
    'runtime/engine.ts':
      "import { job } from '../jobs/job.js';\nimport { map } from '../operators/map.js';\nimport { registry } from '../operators/registry.js';\n" +
      'export const engine = [job, map, registry];\nexport type Engine = typeof engine;\n',
    'runtime/record-columns.ts': 'export const columns = 1;\n',
    'operators/map.ts': 'export const map = 1;\n',
    'operators/registry.ts': 'export const registry = 1;\n',
    'jobs/job.ts': 'export const job = 1;\n',
    'graph/planner.ts':
      "import { job } from '../jobs/job.js';\nimport type { Engine } from '../runtime/engine.js';\nexport const planner: Engine | number = job;\n",
    'state/store.ts':
      "import { engine } from '../runtime/engine.js';\nimport { columns } from '../runtime/record-columns.js';\nexport const store = [engine, columns];\n",
    'query/view.ts': "import { open } from 'lmdb';\nexport const view = open;\n",
    'api/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'api/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'src', path)), { recursive: true });
    writeFileSync(join(dir, 'src', path), text);
  }
  const { violations } = await cruise(dir);
  // A cycle is reported once, at the edge where the cruise first closes it.
  const found = [...new Set(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/lmdb\/.*$/, 'lmdb')}`))].sort();
  assert.deepEqual(found, [
    'core-is-a-leaf: src/core/leaf.ts -> src/runtime/engine.ts',
    'graph-imports-no-runtime: src/graph/planner.ts -> src/runtime/engine.ts',
    'no-cycles: src/api/a.ts -> src/api/b.ts',
    'only-jobs-and-cli-import-jobs: src/graph/planner.ts -> src/jobs/job.ts',
    'only-jobs-and-cli-import-jobs: src/runtime/engine.ts -> src/jobs/job.ts',
    'only-state-imports-lmdb: src/query/view.ts -> lmdb',
    'runtime-imports-no-job-or-concrete-operator: src/runtime/engine.ts -> src/jobs/job.ts',
    'runtime-imports-no-job-or-concrete-operator: src/runtime/engine.ts -> src/operators/map.ts',
    'state-reads-runtime-only-for-the-record-format: src/state/store.ts -> src/runtime/engine.ts',
  ]);
});
