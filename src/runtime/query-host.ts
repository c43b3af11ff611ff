/**
 * Starts a job's query endpoint on a thread of its own (query-thread.ts) and serves what the thread asks of the main
 * thread: Prometheus metrics text and readiness reasons. Keeps the thread's copy of the watermark current (every
 * 100 ms), which the state reader uses to hide values whose event-time TTL has passed.
 */
import { Worker } from 'node:worker_threads';
import type { RunningServer } from '../query/server.js';
import { FlywheelError, type PlainError } from './errors.js';
import { topologyOf } from './job-view.js';
import type { JobRef } from './messages.js';
import type { QueryThreadData, QueryThreadReply, QueryThreadRequest } from './query-messages.js';
import type { JobRunner } from './runner.js';

export async function startQueryThread(runner: JobRunner, job: JobRef, stateDir: string, port: number, host: string): Promise<RunningServer> {
  const watermark = new Float64Array(new SharedArrayBuffer(8));
  watermark[0] = runner.watermark;
  const data: QueryThreadData = {
    job,
    graphHash: runner.plan.graph.hash,
    jobName: runner.plan.graph.name,
    stateDir,
    keyGroups: runner.plan.keyGroups,
    topology: topologyOf(runner.plan),
    contentType: runner.metrics.contentType,
    port,
    host,
    watermark: watermark.buffer as SharedArrayBuffer,
  };
  const worker = new Worker(new URL('./query-thread.js', import.meta.url), { workerData: data });
  const tick = setInterval(() => (watermark[0] = runner.watermark), 100);
  tick.unref();
  const url = await new Promise<string>((resolve, reject) => {
    worker.on('message', (message: QueryThreadRequest | { listening: string } | { error: PlainError }) => {
      if ('listening' in message) resolve(message.listening);
      else if ('error' in message) reject(FlywheelError.fromPlain(message.error));
      else void answer(runner, message).then((reply) => worker.postMessage(reply));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`query thread exited (code ${code}) before listening`)));
  }).catch(async (err: unknown) => {
    clearInterval(tick);
    await worker.terminate();
    throw err;
  });
  return {
    url,
    async close() {
      clearInterval(tick);
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}

async function answer(runner: JobRunner, request: QueryThreadRequest): Promise<QueryThreadReply> {
  if (request.kind === 'metrics') return { id: request.id, text: await runner.metrics.text() };
  return { id: request.id, reasons: runner.notReadyReasons() };
}
