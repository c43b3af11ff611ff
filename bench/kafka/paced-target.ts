/**
 * One paced latency run in a fresh process: starts the system under test (the Flywheel stateless or windowed job,
 * or the plain node-rdkafka passthrough) on the run's topics, has the paced producer and output reader run in a
 * process of their own (latency-client.ts), stops the system and reports the client's result. A fresh process per
 * run, as elsewhere in bench/, so no earlier run's jobs, clients or heap weigh on this one.
 *   node dist/bench/kafka/paced-target.js '<PacedTargetRun as JSON>'  ->  BENCH_RESULT {LatencyResult}
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childOptions, runChild, sendResult } from '../child-process.js';
import { startFlywheel } from './flywheel-job.js';
import type { LatencyResult, LatencyRun } from './latency.js';
import { startRawPassthrough } from './raw.js';

export interface PacedTargetRun {
  impl: 'raw-passthrough' | 'stateless' | 'windowed';
  plan: LatencyRun;
  workers: number;
  windowMs: number;
  delayMs: number;
}

const latencyClient = fileURLToPath(new URL('./latency-client.js', import.meta.url));

async function pacedRun(o: PacedTargetRun): Promise<LatencyResult> {
  const { brokers, input, output } = o.plan;
  if (o.impl === 'raw-passthrough') {
    const raw = await startRawPassthrough(brokers, input, output);
    const result = await runChild<LatencyResult>(latencyClient, o.plan);
    await raw.stop();
    return result;
  }
  const { runner, running, stateDir } = await startFlywheel(
    o.impl,
    { brokers, input, output, bounded: false, windowMs: o.windowMs, delayMs: o.delayMs },
    o.workers,
  );
  const result = await runChild<LatencyResult>(latencyClient, o.plan);
  runner.stop();
  await running;
  rmSync(stateDir, { recursive: true, force: true });
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  sendResult(await pacedRun(childOptions<PacedTargetRun>()));
  process.exit(0);
}
