/**
 * `npm run bench -- expectations [--events N] [--runs R]`: what the expectations step adds per event. The same job
 * runs with the expectations step (eight expectations: field checks, uniqueness, freshness, PSI drift) and with a
 * step that only passes records on in its place (job.ts), on one worker thread; the difference in CPU seconds per
 * event (medians of R runs) is the expectations' cost, window reports and state included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { benchRunSettings } from '../bench-run-settings.js';
import { measure, median } from '../measure.js';
import { BENCH_ENV, buildBenchJob, type QualityBenchJob } from './job.js';

const jobModule = fileURLToPath(new URL('./job.js', import.meta.url));

async function runJob(b: QualityBenchJob): Promise<void> {
  process.env[BENCH_ENV] = JSON.stringify(b);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-quality-bench-'));
  try {
    await launchJob({
      job: moduleJobRef(jobModule, 'benchJob'),
      graph: buildBenchJob(b),
      stateDir,
      ...benchRunSettings(1),
    });
  } finally {
    delete process.env[BENCH_ENV];
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function expectationsBench(o: { events: number; runs: number }, report: (figure: object) => void): Promise<void> {
  const cpuPerEvent: Record<string, number[]> = { plain: [], checked: [] };
  for (let run = 0; run < o.runs; run++) {
    for (const checked of [false, true]) {
      const m = await measure(() => runJob({ events: o.events, checked }));
      const name = checked ? 'checked' : 'plain';
      cpuPerEvent[name]!.push(m.cpuSeconds / o.events);
      report({
        bench: 'expectations',
        implementation: name,
        run,
        events: o.events,
        eventsPerSecond: Math.round(o.events / m.seconds),
        cpuMicrosPerEvent: +((1e6 * m.cpuSeconds) / o.events).toFixed(2),
        peakRssMiB: m.peakRssMiB,
      });
    }
  }
  const plain = median(cpuPerEvent.plain!);
  const checked = median(cpuPerEvent.checked!);
  report({
    bench: 'expectations',
    summary: true,
    events: o.events,
    runs: o.runs,
    plainCpuMicrosPerEvent: +(1e6 * plain).toFixed(2),
    checkedCpuMicrosPerEvent: +(1e6 * checked).toFixed(2),
    addedCpuMicrosPerEvent: +(1e6 * (checked - plain)).toFixed(2),
  });
}
