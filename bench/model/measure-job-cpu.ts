/**
 * Child process of the flywheel job-cost benchmark: runs topologies/flywheel.yaml (no query endpoint) with its
 * generator paced at `rate` events/s and `eventsPerSecondOfEventTime` (equal to the rate: event time follows the
 * wall clock, as on a live stream; below it, event time runs faster), with slot batches held up to `maxDelay` ms,
 * and after `warmupSeconds` measures `seconds` of it: CPU of the whole process and of its main thread, events read
 * and slot batches sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { childOptions, sendResult } from '../child-process.js';
import { mainThreadCpuSeconds } from '../thread-cpu.js';

export interface JobCpuRun {
  rate: number;
  eventsPerSecondOfEventTime: number;
  maxDelay: number;
  warmupSeconds: number;
  seconds: number;
}

export interface JobCpuResult {
  eventsPerSecond: number;
  cores: number;
  mainThreadCores: number;
  batchesPerSecond: number;
  cpuMicrosPerEvent: number;
}

const o = childOptions<JobCpuRun>();
process.env.FLYWHEEL_COUNT = '100000000';
process.env.FLYWHEEL_RATE = String(o.rate);
process.env.FLYWHEEL_EVENT_TIME_RATE = String(o.eventsPerSecondOfEventTime);
const file = resolve('topologies/flywheel.yaml');
const stateDir = mkdtempSync(join(tmpdir(), 'fw-job-cpu-'));
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
try {
  const topology = await loadTopology(file, { stateDir });
  const batch = { ...topology.runtime.batch, maxDelay: o.maxDelay };
  const runner = new JobRunner({
    job: { kind: 'topology', file },
    graph: topology.graph,
    stateDir,
    workers: topology.runtime.workers,
    slots: topology.runtime.slots,
    placement: topology.runtime.placement,
    batch,
    baseDir: dirname(file),
    workerNiceness: topology.runtime.workerNiceness,
  });
  const running = runner.run();
  await runner.opened;
  await sleep(o.warmupSeconds);
  const before = { at: performance.now(), cpu: process.cpuUsage(), main: mainThreadCpuSeconds(), status: runner.status(1, 0) };
  await sleep(o.seconds);
  const after = { at: performance.now(), cpu: process.cpuUsage(before.cpu), main: mainThreadCpuSeconds(), status: runner.status(1, 0) };
  runner.stop();
  await running;
  const wall = (after.at - before.at) / 1000;
  const cpu = (after.cpu.user + after.cpu.system) / 1e6;
  const events = after.status.recordsRead - before.status.recordsRead;
  sendResult({
    eventsPerSecond: Math.round(events / wall),
    cores: Number((cpu / wall).toFixed(3)),
    mainThreadCores: Number(((after.main - before.main) / wall).toFixed(3)),
    batchesPerSecond: Math.round((after.status.batches - before.status.batches) / wall),
    cpuMicrosPerEvent: Math.round((cpu * 1e6) / events),
  } satisfies JobCpuResult);
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
