/**
 * Where a query endpoint runs, and the message channel to it: a worker thread of the job's process, or a child
 * process of its own (own heap and memory map). Child processes are node:cluster workers, so that several of them
 * can listen on the same port: the job's process binds it once and each child accepts connections itself (cluster's
 * SCHED_NONE), so the job's main thread is not on the path of a connection.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromQueryEndpoint, ToQueryEndpoint } from './query-messages.js';

export interface EndpointChannel {
  send(message: ToQueryEndpoint): void;
  on(event: 'message', listener: (message: FromQueryEndpoint) => void): void;
  once(event: 'exit', listener: (code: number | null) => void): void;
  once(event: 'error', listener: (err: Error) => void): void;
  kill(): Promise<void>;
}

const endpointModule = new URL('./query-endpoint.js', import.meta.url);

export function threadChannel(): EndpointChannel {
  const worker = new Worker(endpointModule);
  return {
    send: (message) => worker.postMessage(message),
    on: (event, listener) => worker.on(event, listener),
    once: (event: 'exit' | 'error', listener: (arg: never) => void) => worker.once(event, listener as (arg: unknown) => void),
    kill: async () => void (await worker.terminate()),
  };
}

let clusterSetUp = false;

export function processChannel(): EndpointChannel {
  if (!clusterSetUp) {
    // Set before the first fork: with round-robin (Linux's default) the job's main thread would accept every
    // connection and hand it over, and a busy job would delay them.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: fileURLToPath(endpointModule), args: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    clusterSetUp = true;
  }
  const child = cluster.fork();
  return {
    send: (message) => void child.send(message),
    on: (event, listener) => child.on(event, listener as (message: unknown) => void),
    once: (event: 'exit' | 'error', listener: (arg: never) => void) => child.once(event, listener as (arg: unknown) => void),
    kill: async () => {
      if (child.process.exitCode === null) child.process.kill();
    },
  };
}
