/**
 * Starts one of the Kafka benchmark's Flywheel jobs (bench/kafka/jobs.ts) on a fresh state directory: the job's
 * topics and timings go through the environment, which its worker threads share.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobGraph } from '../../src/graph/model.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { BenchJobConfig } from './jobs.js';

const jobsModule = fileURLToPath(new URL('./jobs.js', import.meta.url));

export async function startFlywheel(
  name: 'stateless' | 'windowed',
  cfg: BenchJobConfig,
  workers: number,
): Promise<{ runner: JobRunner; running: Promise<unknown>; stateDir: string }> {
  process.env.KAFKA_BENCH = JSON.stringify(cfg);
  const graph = ((await import(`./jobs.js?${Date.now()}`)) as Record<string, JobGraph>)[name]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-kbench-'));
  const runner = new JobRunner({ job: moduleJobRef(jobsModule, name), graph, stateDir, workers, slots: 8 });
  const running = runner.run();
  await Promise.race([runner.opened, running]);
  return { runner, running, stateDir };
}
