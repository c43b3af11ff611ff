/**
 * Starts a job's query endpoint (query-endpoint.ts) on a thread of its own or in child processes of its own, sends
 * it the job's watermark every 100 ms (the state reader hides values whose event-time TTL has passed), and serves
 * what it asks of the main thread: Prometheus metrics (text, the job's and every endpoint process's own combined, or
 * values), liveness, readiness reasons and the latest dead letters. Its log events (the errors it answered with a
 * 500) are handed to `onLog`, for the job's log.
 */
import { AggregatorRegistry } from 'prom-client';
import type { RunningServer } from '../query/server.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { processChannel, threadChannel, type EndpointChannel } from './endpoint-channels.js';
import { topologyOf } from './job-view.js';
import { Redactor } from '../graph/secrets.js';
import type { QueryIsolation } from '../graph/runtime-settings.js';
import type { JobRef } from './messages.js';
import type { EndpointMetrics, QueryEndpointData, QueryEndpointReply, QueryEndpointRequest, ToQueryEndpoint } from './query-messages.js';
import type { JobRunner } from './runner.js';
import type { EndpointSecurity } from './endpoint-security.js';

/** A running endpoint, and the endpoint metrics it is asked for when any endpoint serves /metrics. */
class StartedEndpoint {
  exited = false;
  readonly exit: Promise<void>;
  private readonly collecting = new Map<number, (metrics: EndpointMetrics) => void>();
  private nextCollect = 0;

  constructor(readonly channel: EndpointChannel) {
    this.exit = new Promise<void>((resolve) =>
      channel.once('exit', () => {
        this.exited = true;
        // Collections it will never answer get an empty set, so no /metrics waits for an endpoint that is gone.
        for (const id of [...this.collecting.keys()]) this.collected(id, []);
        resolve();
      }),
    );
  }

  send(message: ToQueryEndpoint): void {
    if (!this.exited) this.channel.send(message);
  }

  collected(id: number, metrics: EndpointMetrics): void {
    this.collecting.get(id)?.(metrics);
    this.collecting.delete(id);
  }

  /** Its metrics as prom-client's JSON (none once it has exited). */
  collect(): Promise<EndpointMetrics> {
    if (this.exited) return Promise.resolve([]);
    const id = this.nextCollect++;
    return new Promise((resolve) => {
      this.collecting.set(id, resolve);
      this.send({ kind: 'collect', id });
    });
  }
}

/**
 * Starts the endpoint: on a thread, or in `processes` child processes that share the port (each with its own
 * read-only LMDB handle), for when one serving thread saturates.
 */
export async function startQueryEndpoint(
  runner: JobRunner,
  job: JobRef,
  stateDir: string,
  port: number,
  host: string,
  isolation: QueryIsolation = 'thread',
  redactor = new Redactor([]),
  security: EndpointSecurity = { tokens: [], openMetrics: false },
  processes = 1,
  onLog: (line: string) => void = () => undefined,
): Promise<RunningServer> {
  if (processes > 1 && isolation !== 'process')
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `${processes} serving processes need isolation 'process' (got '${isolation}')`,
      {},
      'set http.isolation: process',
    );
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
  const endpoints = Array.from({ length: processes }, () => new StartedEndpoint(isolation === 'process' ? processChannel() : threadChannel()));
  const tick = setInterval(() => {
    for (const endpoint of endpoints) endpoint.send({ kind: 'watermark', value: runner.watermark });
  }, 100);
  tick.unref();
  const answer = async (request: QueryEndpointRequest): Promise<QueryEndpointReply> => {
    if (request.kind === 'metrics') return { id: request.id, text: (await runner.metrics.text()) + (await endpointMetricsText(endpoints)) };
    if (request.kind === 'metricValues') return { id: request.id, values: await runner.metrics.values() };
    if (request.kind === 'deadLetters') return { id: request.id, deadLetters: runner.recentDeadLetters.page(request.deadLetters!) };
    if (request.kind === 'liveness') return { id: request.id, live: runner.live };
    return { id: request.id, reasons: runner.notReadyReasons() };
  };
  const listening = endpoints.map(
    (endpoint) =>
      new Promise<{ url: string; address: string }>((resolve, reject) => {
        endpoint.channel.on('message', (message) => {
          if (message.kind === 'loaded') endpoint.send({ kind: 'start', data });
          else if (message.kind === 'listening') resolve(message);
          else if (message.kind === 'error') reject(FlywheelError.fromPlain(message.error));
          else if (message.kind === 'collected') endpoint.collected(message.id, message.metrics);
          else if (message.kind === 'log') onLog(message.line);
          else void answer(message.request).then((reply) => endpoint.send({ kind: 'reply', reply }));
        });
        endpoint.channel.once('error', reject);
        endpoint.channel.once('exit', (code) => reject(new Error(`query endpoint exited (code ${code}) before listening`)));
      }),
  );
  const bound = await Promise.all(listening).catch(async (err: unknown) => {
    clearInterval(tick);
    await Promise.all(endpoints.map((endpoint) => endpoint.channel.kill()));
    throw err;
  });
  return {
    ...bound[0]!,
    async close() {
      clearInterval(tick);
      for (const endpoint of endpoints) endpoint.send({ kind: 'close' });
      await Promise.all(endpoints.map((endpoint) => endpoint.exit));
    },
  };
}

/**
 * The endpoints' own metrics (request times, CPU, figures their routes read from state) as one set: counters and
 * histograms summed over the processes, gauges read from state taken from one (they declare `aggregator: 'first'`).
 */
async function endpointMetricsText(endpoints: StartedEndpoint[]): Promise<string> {
  const sets = await Promise.all(endpoints.map((endpoint) => endpoint.collect()));
  return AggregatorRegistry.aggregate(sets.filter((set) => set.length > 0)).metrics();
}
