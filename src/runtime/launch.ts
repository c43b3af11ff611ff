/**
 * Runs a loaded job the way `flywheel run` does: the runner, its query endpoint on the configured port (on a thread
 * of its own, with the routes its steps contribute), a clean stop on SIGINT/SIGTERM (in-flight batches commit;
 * anything not yet applied is replayed on the next start), and the job's log (job-log.ts): lifecycle events, the
 * status every few seconds, connector retries, dead-letter summaries and the endpoint's errors.
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
import { statusFields, statusLine } from './status-line.js';
import { jobLogger, relayLogLine, type LogFormat } from './job-log.js';
import { DeadLetterSummaries } from './dead-letter-summary.js';
import { FlywheelError } from '../core/errors.js';
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
  http?: {
    port: number;
    host: string;
    isolation?: QueryIsolation;
    processes?: number;
    keepServing?: boolean;
    access?: Partial<HttpAccess>;
    tls?: { cert: string; key: string };
  };
  /** Receives each log line; default: stdout. */
  log?: (line: string) => void;
  /** Default: human lines on a terminal or into `log`, else JSON events. */
  logFormat?: LogFormat;
  /** Hides the job's secret settings in /topology and in every line logged (default: keys naming credentials). */
  redactor?: Redactor;
  /** Called once the endpoint listens, before the job opens its state and connectors. */
  onListening?: (info: { url: string | null; runner: JobRunner }) => void;
  /** Called once the job is open and its endpoint listening. */
  onStarted?: (info: { url: string | null; runner: JobRunner }) => void;
}

export async function launchJob(options: LaunchOptions): Promise<RunSummary> {
  const redactor = options.redactor ?? new Redactor([]);
  const name = options.graph.name;
  const format = options.logFormat ?? (options.log ? 'human' : undefined);
  const log = jobLogger(name, { redactor, ...(options.log ? { write: options.log } : {}), ...(format ? { format } : {}) });
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
    onStatus: (s) => {
      log.info(statusFields(s), statusLine(s));
      deadLetters.summarize();
    },
    onRetry: (step, wait) => log.warn({ event: 'retry', step, code: wait.code, attempt: wait.attempt, delayMs: wait.delayMs }, wait.reason),
  });
  const deadLetters = new DeadLetterSummaries(runner.metrics.deadLetteredByStep, log, options.graph.settings.deadLetter);
  const stop = (signal: NodeJS.Signals) => {
    log.info({ event: 'stopping', signal }, `stopping (${signal}): ${runner.stopWaits()}`);
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
        server = await startQueryEndpoint(
          runner,
          options.job,
          options.stateDir,
          options.http.port,
          options.http.host,
          options.http.isolation,
          redactor,
          security,
          options.http.processes,
          (line) => relayLogLine(log, line),
        );
      } catch (err) {
        await closeState(options.stateDir);
        runner.releaseStateDir();
        throw err;
      }
      const guarded = security!.tokens.length > 0 ? `, ${security!.tokens.length} access token(s)` : ', no access tokens';
      log.info(
        { event: 'listening', url: server.url, address: server.address, tokens: security!.tokens.length },
        `query endpoint listening on ${server.address}, ${server.url} (/healthz /readyz /metrics /topology${guarded})`,
      );
    }
    options.onListening?.({ url: server?.url ?? null, runner });
    const running = runner.run();
    void runner.opened.then(() =>
      log.info(
        { event: 'started', workers: options.workers, slots: options.slots, placement: options.placement, stateDir: options.stateDir },
        `started: ${options.workers} worker thread(s), ${options.slots} slots (${options.placement}), state in ${options.stateDir}`,
      ),
    );
    await Promise.race([runner.opened, running]);
    options.onStarted?.({ url: server?.url ?? null, runner });
    const summary = await running.catch((err: unknown) => {
      const place = err instanceof FlywheelError ? { code: err.code, ...(err.place.stepId ? { step: err.place.stepId } : {}) } : {};
      log.error({ event: 'failed', ...place }, `failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    });
    deadLetters.summarize();
    if (summary.undelivered > 0) {
      log.warn(
        { event: 'undelivered', count: summary.undelivered },
        `stopped with ${summary.undelivered} outputs not acknowledged by their sinks within stopTimeout (${options.stopTimeout} ms): they are kept and delivered after the next start`,
      );
    }
    const ended = controller.signal.aborted ? 'stopped' : 'finished';
    log.info(
      { event: ended, recordsRead: summary.recordsRead, batches: summary.batches },
      `${ended}: ${summary.recordsRead} records read in ${summary.batches} batches`,
    );
    if (server && options.http?.keepServing && !controller.signal.aborted) {
      log.info(
        { event: 'serving', url: server.url },
        `input read to its end: ${summary.recordsRead} records; still serving on ${server.url} until stopped (Ctrl-C)`,
      );
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
