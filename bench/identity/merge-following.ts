/**
 * `npm run bench -- merge-following [--events N] [--runs R] [--workers W] [--logged-out]`: what following the
 * identity step's merges costs per event on the features topology. topologies/features.yaml as shipped (identity,
 * the merges fanned out, the transfer step, user features that add what merges move, item features) runs beside the
 * same file with its user features keyed straight by the unified id (no transfer step, merges not followed), in
 * turn, R times each: events/s and events per CPU-second (all threads of the process), the medians, and the ratio
 * of the two. Sinks write into a temporary directory. With `--logged-out` the generator's first sessions are logged
 * in only by chance (`firstSessionLogin: false`), so merges move features; by default, as in the shipped file,
 * every device is logged in from its first session and merges move almost nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { benchRunSettings } from '../bench-run-settings.js';
import { measure, median } from '../measure.js';

export interface MergeFollowingOptions {
  events: number;
  runs: number;
  workers: number;
  loggedOut: boolean;
}

const shipped = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'topologies', 'features.yaml');

/** From the transfer steps' comment to the user features' `with`: what the variant without merge-following replaces. */
const FOLLOWING = / {2}# The features follow the identity step's merges[\s\S]*? {4}with: \*user-feature-options\n/;
const NOT_FOLLOWING = `  - id: by-user
    op: keyBy
    field: userId
  - id: user-features
    op: process
    processor: flywheel:jobs/features/processors.js#userFeatures
    with: { windows: [1h, 24h, 7d], emitInterval: 1m }
`;

type Variant = 'following' | 'notFollowing';

function topologyText(variant: Variant, o: MergeFollowingOptions): string {
  let text = readFileSync(shipped, 'utf8');
  if (!FOLLOWING.test(text)) throw new Error(`${shipped}: the merge-following steps are not where this benchmark expects them`);
  if (variant === 'notFollowing') text = text.replace(FOLLOWING, NOT_FOLLOWING);
  text = text
    .replace(/^ {2}http: .*\n/m, '')
    .replaceAll('../out/features/', './out/')
    .replace('${FLYWHEEL_FEATURES_COUNT:-2000000}', String(o.events));
  return o.loggedOut ? text.replace('identity: { phoneShare: 0 }', 'identity: { phoneShare: 0, firstSessionLogin: false }') : text;
}

async function runOnce(variant: Variant, o: MergeFollowingOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-merge-following-'));
  try {
    const file = join(dir, 'features.yaml');
    writeFileSync(file, topologyText(variant, o));
    const { graph } = await loadTopology(file);
    return await measure(async () => {
      await launchJob({ job: { kind: 'topology', file }, graph, stateDir: join(dir, 'state'), ...benchRunSettings(o.workers), baseDir: dir });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function mergeFollowingBench(o: MergeFollowingOptions, report: (figure: object) => void): Promise<void> {
  const setup = { events: o.events, workers: o.workers, loggedOut: o.loggedOut };
  const perCpu: Record<Variant, number[]> = { following: [], notFollowing: [] };
  const rates: Record<Variant, number[]> = { following: [], notFollowing: [] };
  for (let run = 0; run < o.runs; run++) {
    for (const variant of ['notFollowing', 'following'] as const) {
      const m = await runOnce(variant, o);
      rates[variant].push(o.events / m.seconds);
      perCpu[variant].push(o.events / m.cpuSeconds);
      report({
        bench: 'merge-following',
        variant,
        run,
        ...setup,
        eventsPerSecond: Math.round(o.events / m.seconds),
        eventsPerCpuSecond: Math.round(o.events / m.cpuSeconds),
        peakRssMiB: m.peakRssMiB,
      });
    }
  }
  const [with_, without] = [median(perCpu.following), median(perCpu.notFollowing)];
  report({
    bench: 'merge-following',
    summary: true,
    ...setup,
    runs: o.runs,
    eventsPerSecond: { following: Math.round(median(rates.following)), notFollowing: Math.round(median(rates.notFollowing)) },
    eventsPerCpuSecond: { following: Math.round(with_), notFollowing: Math.round(without) },
    followingOverNotFollowing: Number((with_ / without).toFixed(3)),
    addedCpuMicrosecondsPerEvent: Number(((1 / with_ - 1 / without) * 1e6).toFixed(1)),
  });
}
