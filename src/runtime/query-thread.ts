/**
 * The query endpoint on a thread of its own, so its latency does not depend on how busy the main thread is routing
 * records. The thread rebuilds the job (hash-checked, for the routes its steps contribute), reads state through its
 * own read-only LMDB handle, reads the job's watermark from shared memory, and asks the main thread (query-host.ts)
 * only for what lives there: metrics and readiness.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { buildQueryApp } from '../query/app.js';
import type { Readiness, RuntimeView } from '../query/runtime-view.js';
import { startQueryServer } from '../query/server.js';
import { openStateReadOnly } from '../state/backend.js';
import { LmdbStateReader } from '../state/lmdb-reader.js';
import { ErrorCodes, FlywheelError, toPlainError } from './errors.js';
import { loadJobGraph } from './job-loader.js';
import { routeContributions } from './route-contributions.js';
import type { QueryThreadData, QueryThreadReply, QueryThreadRequest } from './query-messages.js';

const data = workerData as QueryThreadData;
const port = parentPort!;
const watermark = new Float64Array(data.watermark);
const pending = new Map<number, (reply: QueryThreadReply) => void>();
let nextId = 0;

port.on('message', (message: QueryThreadReply | 'close') => {
  if (message === 'close') {
    void closeAll().then(() => port.close());
    return;
  }
  pending.get(message.id)?.(message);
  pending.delete(message.id);
});

/** Asks the main thread; it answers between two turns of its loop. */
function ask(kind: QueryThreadRequest['kind']): Promise<QueryThreadReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    port.postMessage({ id, kind } satisfies QueryThreadRequest);
  });
}

const handle = openStateReadOnly(data.stateDir);
/** Metrics that steps' routes compute on this thread from state (e.g. a model's progressive AUC), after the job's. */
const stateMetrics = new Registry();
stateMetrics.setDefaultLabels({ job: data.jobName });
const view: RuntimeView = {
  jobName: data.jobName,
  live: () => true,
  readiness: async (): Promise<Readiness> => {
    const reply = await ask('readiness');
    return { ready: reply.reasons!.length === 0, reasons: reply.reasons! };
  },
  topology: () => data.topology,
  metrics: async () => (await ask('metrics')).text! + (await stateMetrics.metrics()),
  registry: stateMetrics,
  contentType: data.contentType,
  state: new LmdbStateReader(handle, data.keyGroups, () => watermark[0]!),
};

let closeAll = async (): Promise<void> => {
  await handle.env.close();
};

try {
  const graph = await loadJobGraph(data.job);
  if (graph.hash !== data.graphHash) {
    throw new FlywheelError(ErrorCodes.GRAPH_MISMATCH, `query thread built graph ${graph.hash}, main thread runs ${data.graphHash}`, {}, 'the job module must build the same graph on every import');
  }
  const server = await startQueryServer(buildQueryApp(view, routeContributions(graph)), data.port, data.host);
  closeAll = async () => {
    await server.close();
    await handle.env.close();
  };
  port.postMessage({ listening: server.url });
} catch (err) {
  port.postMessage({ error: toPlainError(err, ErrorCodes.INTERNAL) });
}
