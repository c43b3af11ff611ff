/**
 * Runs a loaded job the way `flywheel run` does: the runner, its query endpoint on the configured port (on a thread
 * of its own, with the routes its steps contribute), a status line every few seconds, and a clean stop on SIGINT/SIGTERM (in-flight
 * batches commit; anything not yet applied is replayed on the next start).
 */
import type { JobGraph } from '../graph/model.js';
import { Redactor } from '../graph/secrets.js';
import type { RunningServer } from '../query/server.js';
import { closeState, openState } from '../state/backend.js';
import type { JobRef } from './messages.js';
import type { HttpAccess, IntakePlacement, QueryIsolation } from '../graph/runtime-settings.js';
import { startQueryEndpoint } from './query-host.js';
import type { RunSummary } from './run-options.js';
import { JobRunner } from './runner.js';
import { checkListenAddress } from './listen-check.js';
import { endpointSecurity } from './endpoint-security.js';
import { checkConnectors } from './open-connectors.js';
import { statusLine } from './status-line.js';
import type { SlotPlacement } from './worker-pool.js';

export interface LaunchOptions {
  job: JobRef;
  graph: JobGraph;
  stateDir: string;
  workers: number;
  slots: number;
  placement: SlotPlacement;
  intake?: IntakePlacement;
  workerNiceness: number;
  batch: { maxRecords: number; maxDelay: number };
  statusInterval: number;
  stopTimeout: number;
  commitInterval?: number;
  stateCacheMiB?: number;
  baseDir: string;
  /** With `keepServing`, the endpoint answers on after the input ends, until SIGINT or SIGTERM. */
  http?: { port: number; host: string; isolation?: QueryIsolation; processes?: number; keepServing?: boolean; access?: Partial<HttpAccess>; tls?: { cert: string; key: string } };
  log?: (line: string) => void;
  /** Hides the job's secret settings in /topology and in every line logged (default: keys naming credentials). */
  redactor?: Redactor;
  /** Called once the endpoint listens, before the job opens its state and connectors. */
  onListening?: (info: { url: string | null; runner: JobRunner }) => void;
  /** Called once the job is open and its endpoint listening. */
  onStarted?: (info: { url: string | null; runner: JobRunner }) => void;
}

export async function launchJob(options: LaunchOptions): Promise<RunSummary> {
  const redactor = options.redactor ?? new Redactor([]);
  const write = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const log = (line: string): void => write(redactor.text(line));
  // Checks that can fail are made before the state directory is created or opened.
  const security = options.http ? endpointSecurity(options.http, options.baseDir) : undefined;
  if (options.http && options.http.port !== 0) await checkListenAddress(options.http.host, options.http.port);
  await checkConnectors(options.graph, options.baseDir);
  const controller = new AbortController();
  const runner = new JobRunner({
    job: options.job,
    graph: options.graph,
    stateDir: options.stateDir,
    workers: options.workers,
    slots: options.slots,
    placement: options.placement,
    intake: options.intake,
    workerNiceness: options.workerNiceness,
    batch: options.batch,
    baseDir: options.baseDir,
    signal: controller.signal,
    statusInterval: options.statusInterval,
    stopTimeout: options.stopTimeout,
    ...(options.commitInterval !== undefined ? { commitInterval: options.commitInterval } : {}),
    ...(options.stateCacheMiB !== undefined ? { stateCacheBytes: options.stateCacheMiB * 2 ** 20 } : {}),
    onStatus: (s) => log(statusLine(options.graph.name, s)),
  });
  const stop = (signal: NodeJS.Signals) => {
    log(`[${options.graph.name}] stopping (${signal}): ${runner.stopWaits()}`);
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let server: RunningServer | null = null;
  try {
    // The endpoint listens before the job opens, so /readyz can say why start-up waits (a broker unreachable).
    if (options.http) {
      // The endpoint reads state read-only, so the environment must exist before it; the runner reuses this handle.
      // The directory is locked first, so a job refused it (another process holds it) has not opened it.
      await runner.takeStateDir();
      try {
        openState(options.stateDir);
        server = await startQueryEndpoint(runner, options.job, options.stateDir, options.http.port, options.http.host, options.http.isolation, redactor, security, options.http.processes);
      } catch (err) {
        await closeState(options.stateDir);
        runner.releaseStateDir();
        throw err;
      }
      const guarded = security!.tokens.length > 0 ? `, ${security!.tokens.length} access token(s)` : ', no access tokens';
      log(`[${options.graph.name}] query endpoint listening on ${server.address}, ${server.url} (/healthz /readyz /metrics /topology${guarded})`);
    }
    options.onListening?.({ url: server?.url ?? null, runner });
    const running = runner.run();
    await Promise.race([runner.opened, running]);
    options.onStarted?.({ url: server?.url ?? null, runner });
    const summary = await running;
    if (summary.undelivered > 0) {
      log(`[${options.graph.name}] stopped with ${summary.undelivered} outputs not acknowledged by their sinks within stopTimeout (${options.stopTimeout} ms): they are kept and delivered after the next start`);
    }
    if (server && options.http?.keepServing && !controller.signal.aborted) {
      log(`[${options.graph.name}] input read to its end: ${summary.recordsRead} records; still serving on ${server.url} until stopped (Ctrl-C)`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await new Promise<void>((resolve) => {
        const done = () => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          resolve();
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
    return summary;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server?.close();
  }
}
