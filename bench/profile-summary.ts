/**
 * `node dist/bench/profile-summary.js DIR [TOP]`: summarizes the `.cpuprofile` files `node --cpu-prof` wrote (one per
 * thread: the main thread and each worker): per file, the share of samples by where the code lives (a package under
 * node_modules, the project's src/ folders, bench/, Node's internals, GC, idle) and the functions with the most self
 * time. Prints plain text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Where a function's code lives: the package, the project's file (src/state/slot-batch...), or the engine. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/dist\/((?:src|bench|test)\/.+?)\.js/.exec(url);
  return own ? own[1]! : url;
}

const percent = (n: number, total: number) => `${((100 * n) / total).toFixed(1)}%`.padStart(6);

function summarize(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfCount = new Map<number, number>();
  for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, count] of selfCount) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + count);
    const fn = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + count);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lines = [`${file}: ${total} samples`, '  by place:'];
  for (const [place, n] of sorted(places).slice(0, top)) lines.push(`  ${percent(n, total)}  ${place}`);
  lines.push('  by function (self time):');
  for (const [fn, n] of sorted(functions).slice(0, top)) lines.push(`  ${percent(n, total)}  ${fn}`);
  return lines.join('\n');
}

const [dir, top = '15'] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node dist/bench/profile-summary.js DIR [TOP]\n');
  process.exitCode = 1;
} else {
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.cpuprofile'))
    .sort())
    process.stdout.write(summarize(join(dir, f), Number(top)) + '\n\n');
}
