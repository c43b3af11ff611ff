/**
 * The query endpoint away from the job's main thread, so its latency does not depend on how busy that thread is:
 * on a thread of its own, or in a child process of its own (`http.isolation: process`, which also keeps it clear of
 * the job's heap, garbage collector and memory map). Either way it rebuilds the job (hash-checked, for the routes its
 * steps contribute), reads state through its own read-only LMDB handle, is sent the job's watermark, and asks the
 * main thread (query-host.ts) only for what lives there: metrics and readiness. A child process exits when its
 * parent goes away, so a killed job does not leave its port taken.
 */
import { parentPort } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { buildQueryApp } from '../query/app.js';
import type { Readiness, RuntimeView } from '../query/runtime-view.js';
import { startQueryServer } from '../query/server.js';
import { openStateReadOnly } from '../state/backend.js';
import { holdOutsideReader } from '../state/state-dir-lock.js';
import { LmdbStateReader } from '../state/lmdb-reader.js';
import { LmdbReadyAnswers } from './lmdb-ready-answers.js';
import { registerEndpointCpu } from './endpoint-cpu.js';
import { listenError } from './listen-check.js';
import { ErrorCodes, FlywheelError, toPlainError } from '../core/errors.js';
import { loadJobGraph } from './job-loader.js';
import { routeContributions } from './route-contributions.js';
import { AccessPolicy } from '../query/access-policy.js';
import { relayedLogger } from './job-log.js';
import type { DeadLetterQuery } from './recent-dead-letters.js';
import type { EndpointMetrics, FromQueryEndpoint, QueryEndpointData, QueryEndpointReply, QueryEndpointRequest, ToQueryEndpoint } from './query-messages.js';

/** The channel to the main thread: the worker port, or the IPC channel of a child process. */
const send = (message: FromQueryEndpoint): void => {
  if (parentPort) parentPort.postMessage(message);
  else process.send!(message);
};
const onMessage = (listener: (message: ToQueryEndpoint) => void): void => {
  if (parentPort) parentPort.on('message', listener);
  else process.on('message', listener as (message: unknown) => void);
};

const pending = new Map<number, (reply: QueryEndpointReply) => void>();
let nextId = 0;
let watermark = -Infinity;
let closeAll = async (): Promise<void> => {};
/** Metrics that steps' routes compute here from state (e.g. a model's progressive AUC), the request times and CPU. */
let ownMetrics: Registry | null = null;

/** Asks the main thread; it answers between two turns of its loop. */
function ask(kind: QueryEndpointRequest['kind'], deadLetters?: DeadLetterQuery): Promise<QueryEndpointReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ kind: 'request', request: { id, kind, ...(deadLetters ? { deadLetters } : {}) } });
  });
}

async function close(): Promise<void> {
  await closeAll();
  if (parentPort) parentPort.close();
  else process.exit(0);
}

async function start(data: QueryEndpointData): Promise<void> {
  watermark = data.watermark;
  // A child process says it has the directory open, so a restarted job waits for it to be gone (state-dir-lock.ts).
  if (!parentPort) {
    try {
      await holdOutsideReader(data.stateDir);
    } catch (err) {
      send({ kind: 'error', error: toPlainError(err, ErrorCodes.INTERNAL) });
      return;
    }
  }
  const handle = openStateReadOnly(data.stateDir);
  closeAll = async () => {
    await handle.env.close();
  };
  const stateMetrics = new Registry();
  ownMetrics = stateMetrics;
  stateMetrics.setDefaultLabels({ job: data.jobName });
  registerEndpointCpu(stateMetrics, parentPort ? 'thread' : 'process');
  const view: RuntimeView = {
    jobName: data.jobName,
    live: async () => (await ask('liveness')).live!,
    readiness: async (): Promise<Readiness> => {
      const reply = await ask('readiness');
      return { ready: reply.reasons!.length === 0, reasons: reply.reasons! };
    },
    topology: () => data.topology,
    // The main thread adds every endpoint process's own metrics to the job's (this one's included).
    metrics: async () => (await ask('metrics')).text!,
    // The endpoint's own CPU, not the steps' state gauges: those read state at each call.
    metricValues: async () => [
      ...(await ask('metricValues')).values!,
      ...((await stateMetrics
        .getSingleMetric('flywheel_query_endpoint_cpu_seconds_total')
        ?.get()
        .then((m) => [m])) ?? []),
    ],
    deadLetters: async (query) => (await ask('deadLetters', query)).deadLetters!,
    registry: stateMetrics,
    contentType: data.contentType,
    state: new LmdbStateReader(handle, data.keyGroups, () => watermark),
    answers: new LmdbReadyAnswers(
      () => handle.state,
      data.keyGroups,
      () => watermark,
    ),
  };
  try {
    const graph = await loadJobGraph(data.job);
    if (graph.hash !== data.graphHash) {
      throw new FlywheelError(
        ErrorCodes.GRAPH_MISMATCH,
        `query endpoint built graph ${graph.hash}, main thread runs ${data.graphHash}`,
        {},
        'the job module must build the same graph on every import',
      );
    }
    const { tokens, openMetrics, tls } = data.security;
    const logger = relayedLogger(data.jobName, (line) => send({ kind: 'log', line }));
    const app = buildQueryApp(view, routeContributions(graph), { access: new AccessPolicy(tokens, openMetrics), logger, ...(tls ? { tls } : {}) });
    const server = await startQueryServer(app, data.port, data.host);
    closeAll = async () => {
      await server.close();
      await handle.env.close();
    };
    send({ kind: 'listening', url: server.url, address: server.address });
  } catch (err) {
    const failedListen = (err as NodeJS.ErrnoException).syscall === 'listen' || (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    send({ kind: 'error', error: toPlainError(failedListen ? listenError(err, data.host, data.port) : err, ErrorCodes.INTERNAL) });
  }
}

onMessage((message) => {
  switch (message.kind) {
    case 'start':
      void start(message.data);
      return;
    case 'watermark':
      watermark = message.value;
      return;
    case 'collect': {
      const id = message.id;
      void (ownMetrics ? ownMetrics.getMetricsAsJSON() : Promise.resolve([])).then((metrics) =>
        send({ kind: 'collected', id, metrics: metrics as EndpointMetrics }),
      );
      return;
    }
    case 'reply':
      pending.get(message.reply.id)?.(message.reply);
      pending.delete(message.reply.id);
      return;
    case 'close':
      void close();
      return;
  }
});
if (!parentPort) process.once('disconnect', () => void closeAll().then(() => process.exit(0)));
// Listening now: the start data may be sent (a child process drops messages that arrive before a listener).
send({ kind: 'loaded' });
