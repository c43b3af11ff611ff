/**
 * Starts a job's query endpoint (query-endpoint.ts) on a thread of its own or in a child process of its own, sends
 * it the job's watermark every 100 ms (the state reader hides values whose event-time TTL has passed), and serves
 * what it asks of the main thread: Prometheus metrics (text or values), liveness, readiness reasons and the latest
 * dead letters.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunningServer } from '../query/server.js';
import { FlywheelError } from '../core/errors.js';
import { topologyOf } from './job-view.js';
import { Redactor } from '../graph/secrets.js';
import type { QueryIsolation } from '../graph/runtime-settings.js';
import type { JobRef } from './messages.js';
import type { FromQueryEndpoint, QueryEndpointData, QueryEndpointReply, QueryEndpointRequest, ToQueryEndpoint } from './query-messages.js';
import type { JobRunner } from './runner.js';
import type { EndpointSecurity } from './endpoint-security.js';

/** Where the endpoint runs: a worker thread of the job's process, or a child process (own heap and memory map). */

interface EndpointChannel {
  send(message: ToQueryEndpoint): void;
  on(event: 'message', listener: (message: FromQueryEndpoint) => void): void;
  once(event: 'exit', listener: (code: number | null) => void): void;
  once(event: 'error', listener: (err: Error) => void): void;
  kill(): Promise<void>;
}

const endpointModule = new URL('./query-endpoint.js', import.meta.url);

function threadChannel(): EndpointChannel {
  const worker = new Worker(endpointModule);
  return {
    send: (message) => worker.postMessage(message),
    on: (event, listener) => worker.on(event, listener),
    once: (event: 'exit' | 'error', listener: (arg: never) => void) => worker.once(event, listener as (arg: unknown) => void),
    kill: async () => void (await worker.terminate()),
  };
}

function processChannel(): EndpointChannel {
  const child: ChildProcess = fork(fileURLToPath(endpointModule), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    send: (message) => void child.send(message),
    on: (event, listener) => child.on(event, listener as (message: unknown) => void),
    once: (event: 'exit' | 'error', listener: (arg: never) => void) => child.once(event, listener as (arg: unknown) => void),
    kill: async () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

export async function startQueryEndpoint(
  runner: JobRunner,
  job: JobRef,
  stateDir: string,
  port: number,
  host: string,
  isolation: QueryIsolation = 'thread',
  redactor = new Redactor([]),
  security: EndpointSecurity = { tokens: [], openMetrics: false },
): Promise<RunningServer> {
  const data: QueryEndpointData = {
    job,
    graphHash: runner.plan.graph.hash,
    jobName: runner.plan.graph.name,
    stateDir,
    keyGroups: runner.plan.keyGroups,
    topology: topologyOf(runner.plan, redactor),
    contentType: runner.metrics.contentType,
    port,
    host,
    security,
    watermark: runner.watermark,
  };
  const endpoint = isolation === 'process' ? processChannel() : threadChannel();
  let exited = false;
  const exit = new Promise<void>((resolve) => endpoint.once('exit', () => resolve(void (exited = true))));
  const tick = setInterval(() => !exited && endpoint.send({ kind: 'watermark', value: runner.watermark }), 100);
  tick.unref();
  const bound = await new Promise<{ url: string; address: string }>((resolve, reject) => {
    endpoint.on('message', (message) => {
      if (message.kind === 'loaded') endpoint.send({ kind: 'start', data });
      else if (message.kind === 'listening') resolve(message);
      else if (message.kind === 'error') reject(FlywheelError.fromPlain(message.error));
      else void answer(runner, message.request).then((reply) => !exited && endpoint.send({ kind: 'reply', reply }));
    });
    endpoint.once('error', reject);
    endpoint.once('exit', (code) => reject(new Error(`query endpoint exited (code ${code}) before listening`)));
  }).catch(async (err: unknown) => {
    clearInterval(tick);
    await endpoint.kill();
    throw err;
  });
  return {
    ...bound,
    async close() {
      clearInterval(tick);
      if (!exited) endpoint.send({ kind: 'close' });
      await exit;
    },
  };
}

async function answer(runner: JobRunner, request: QueryEndpointRequest): Promise<QueryEndpointReply> {
  if (request.kind === 'metrics') return { id: request.id, text: await runner.metrics.text() };
  if (request.kind === 'metricValues') return { id: request.id, values: await runner.metrics.values() };
  if (request.kind === 'deadLetters') return { id: request.id, deadLetters: runner.recentDeadLetters.page(request.deadLetters!) };
  if (request.kind === 'liveness') return { id: request.id, live: runner.live };
  return { id: request.id, reasons: runner.notReadyReasons() };
}
