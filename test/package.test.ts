/**
 * The package as a user gets it: `npm pack`, the tarball unpacked into node_modules/flywheel of a fresh project, the
 * README's TypeScript job compiled there with `tsc --strict` against the shipped declarations (library checks on),
 * and run with the package's own `flywheel` bin, whose window counts are checked against counts made here.
 * The project's other dependencies are links to this repository's installed ones: installing them again would need
 * the registry and a native build of node-rdkafka, and would test npm rather than this package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logEvents } from './harness/log-events.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const T0 = 1_700_000_000_000;

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The README's TypeScript example, as a user copies it. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Writing a job in TypeScript'));
  const code = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(code, 'the README has a TypeScript example under "Writing a job in TypeScript"');
  return code[1]!;
}

test('the packed package installs, compiles the README job with tsc --strict and runs it with flywheel run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-package-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const packed = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0]!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts') && files.includes('dist/src/cli.js'));
  // The console's files, built by npm run build, which the endpoint serves at / (docs/console.md).
  for (const file of ['index.html', 'app.js', 'app.css', 'app.js.br', 'app.js.gz'])
    assert.ok(files.includes(`dist/console/${file}`), `dist/console/${file} is packed`);
  assert.deepEqual(
    files.filter((f) => /^(dist\/)?(test|bench|state|scripts)\//.test(f) || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
    [],
  );

  const app = join(dir, 'app');
  const installed = join(app, 'node_modules', 'flywheel');
  mkdirSync(installed, { recursive: true });
  sh('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', installed, '--strip-components=1'], dir);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (!name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }

  const example = readmeExample();
  assert.match(example, /from 'flywheel'/);
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src', 'job.ts'), example);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const tsconfig = {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      outDir: 'dist',
      rootDir: 'src',
      types: ['node'],
      skipLibCheck: false,
    },
    include: ['src'],
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--strict'], app);

  // 300 clicks a second apart on three items, in order, then one far behind the watermark (late for any lateness).
  const clicks = Array.from({ length: 300 }, (_, i) => ({ userId: `u${i % 7}`, itemId: ['A', 'B', 'C'][i % 3]!, ts: T0 + i * 1000 }));
  const late = { userId: 'u0', itemId: 'A', ts: T0 };
  writeFileSync(join(app, 'clicks.jsonl'), [...clicks, late].map((c) => JSON.stringify(c)).join('\n') + '\n');
  const expected = new Map<string, number>();
  for (const c of clicks) {
    const start = Math.floor(c.ts / 60_000) * 60_000;
    expected.set(`${c.itemId}@${start}`, (expected.get(`${c.itemId}@${start}`) ?? 0) + 1);
  }

  const bin = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.flywheel!;
  const out = sh(process.execPath, [join(installed, bin), 'run', './dist/job.js#clicksPerItem', '--workers', '1'], app);
  // Its output is a pipe here, so the log is JSON events.
  const finished = logEvents(out).find((e) => e.event === 'finished');
  assert.deepEqual([finished?.job, finished?.recordsRead], ['clicks-per-item', 301], out);

  const counts = readFileSync(join(app, 'counts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { value: { key: string; start: number; value: number } });
  assert.deepEqual(new Map(counts.map((c) => [`${c.value.key}@${c.value.start}`, c.value.value])), expected);
  assert.equal(counts.length, expected.size, 'one result per window');
  const lateLines = readFileSync(join(app, 'late.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(
    lateLines.map((l) => (JSON.parse(l) as { value: unknown }).value),
    [late],
  );
  assert.ok(existsSync(join(app, 'state', 'clicks-per-item')), 'state is kept under state/<job name> in the current directory');
});
