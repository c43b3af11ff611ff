/**
 * Running a job written in TypeScript: `run(job, { module })` from code, and `flywheel run ./dist/job.js#name` from
 * the command line, the way a YAML topology runs (same run settings, schema and defaults; same endpoint and status
 * line). Worker threads cannot be sent functions: each loads the job from its module and export, so the module is
 * named, and the job is found among its exports.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, FlywheelError } from './core/errors.js';
import type { JobGraph } from './graph/model.js';
import { checkedRuntimeSettings, type RuntimeSection } from './graph/runtime-settings.js';
import { loadJobGraph } from './runtime/job-loader.js';
import { launchJob } from './runtime/launch.js';
import type { RunSummary } from './runtime/run-options.js';

export interface RunJobOptions {
  /**
   * The module that exports the job: a file URL (`new URL('./job.js', import.meta.url)`) or a path. Call run() from
   * another module than the job's: every worker thread imports the job's module, and would run it again.
   */
  module: string | URL;
  /** Run settings, as in a topology's `runtime:` section (checked by the same schema, with the same defaults). */
  runtime?: RuntimeSection;
  /** Directory that relative connector paths and the state directory are resolved against; default: the current one. */
  baseDir?: string;
  /** Receives the log's lines (status, lifecycle, retries, dead letters: docs/runtime.md, "Logs"); default: stdout. */
  log?: (line: string) => void;
}

/** Runs `job` until its sources end or the process gets SIGINT/SIGTERM; the summary of the run. */
export async function run(job: JobGraph, options: RunJobOptions): Promise<RunSummary> {
  const url = moduleUrl(options.module);
  const exports = (await import(url)) as Record<string, unknown>;
  const exportName = Object.keys(exports).find((name) => exports[name] === job);
  if (!exportName) {
    throw new FlywheelError(
      ErrorCodes.MODULE_EXPORT,
      `job '${job.name}' is not an export of ${url}`,
      {},
      'export the job (export const myJob = job(...)) from the module given as options.module: worker threads load it from there',
    );
  }
  return runModuleJob(url, exportName, job, options);
}

/** `flywheel run FILE.js#export`: loads the export (default: `default`) and runs it with `runtime` settings. */
export async function runJobFile(reference: string, runtime: RuntimeSection): Promise<RunSummary> {
  const hash = reference.lastIndexOf('#');
  const file = hash === -1 ? reference : reference.slice(0, hash);
  const exportName = hash === -1 ? 'default' : reference.slice(hash + 1);
  const url = moduleUrl(file);
  const graph = await loadJobGraph({ kind: 'module', url, exportName });
  return runModuleJob(url, exportName, graph, { runtime });
}

/** Whether a `flywheel run` argument names a JavaScript module (a built TypeScript job) rather than a topology. */
export function isJobModuleReference(reference: string): boolean {
  return /\.(?:m?js|cjs)(?:#[^#]*)?$/.test(reference);
}

async function runModuleJob(url: string, exportName: string, graph: JobGraph, options: Omit<RunJobOptions, 'module'>): Promise<RunSummary> {
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const settings = checkedRuntimeSettings(options.runtime ?? {}, graph.name, baseDir, {}, `${url}#${exportName}`);
  return launchJob({ job: { kind: 'module', url, exportName }, graph, ...settings, baseDir, ...(options.log ? { log: options.log } : {}) });
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return module.startsWith('file:') ? module : pathToFileURL(resolve(module)).href;
}
