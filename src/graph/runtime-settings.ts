/**
 * A job's run settings: the `runtime:` section of a topology, or the `runtime` option of a TypeScript job's run(),
 * checked by the one runtime schema (topology-schema.ts, which also gives the defaults) and resolved to what the
 * runner takes: the state directory made absolute, workers defaulting to the cores less one.
 */
import { availableParallelism } from 'node:os';
import type { Static } from '@sinclair/typebox';
import { resolve } from 'node:path';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { validateAgainst } from './schema-validator.js';
import { runtimeSchema } from './topology-schema.js';
import type { AccessToken } from '../query/access-policy.js';

/**
 * Where sources are read and stage 0 runs: `main` on the main thread; `workers`: a source that any thread can read
 * by itself (a generator) is read in ranges by the worker threads.
 */
export type IntakePlacement = NonNullable<RuntimeSection['intake']>;

/** Where the query endpoint runs: a thread of the job's process, or a child process of its own. */
export type QueryIsolation = NonNullable<NonNullable<RuntimeSection['http']>['isolation']>;

/** Who may call the query endpoint (query/access-policy.ts, runtime/endpoint-security.ts). */
export interface HttpAccess {
  tokens: AccessToken[];
  /** More tokens, in a YAML or JSON file; relative to the base directory. */
  tokensFile?: string;
  allowAnonymous: boolean;
  openMetrics: boolean;
}

/** The query endpoint's settings, defaults filled in; TLS paths are relative to the base directory. */
export interface HttpSettings {
  port: number;
  host: string;
  isolation: QueryIsolation;
  /** Endpoint processes sharing the port (isolation 'process'). */
  processes: number;
  keepServing: boolean;
  access: HttpAccess;
  tls?: { cert: string; key: string };
}

export interface RuntimeSettings {
  workers: number;
  slots: number;
  placement: 'any' | 'pinned';
  intake: IntakePlacement;
  workerNiceness: number;
  stateDir: string;
  http?: HttpSettings;
  batch: { maxRecords: number; maxDelay: number };
  statusInterval: number;
  /** On stop, how long outputs may take to be acknowledged before they are left for the next start (ms). */
  stopTimeout: number;
  /** Longest a pinned slot applies records without committing them (ms; 0: every batch commits). */
  commitInterval: number;
  /** Per worker thread: estimated MiB of state pinned slots keep in memory (state-cache-budget.ts). */
  stateCacheMiB: number;
}

/**
 * The run settings as written (a topology's `runtime:` section, run()'s `runtime` option), typed by the runtime
 * schema itself: durations as ms or strings such as '5s', the state directory relative to the base directory
 * (default `state/<job name>`).
 */
export type RuntimeSection = Static<typeof runtimeSchema>;

/** Settings from a section already checked against the runtime schema (defaults filled in). */
export function runtimeSettings(raw: Record<string, unknown>, name: string, baseDir: string, overrides: Partial<RuntimeSettings>): RuntimeSettings {
  const batch = raw.batch as { maxRecords: number; maxDelay: number };
  const written = raw.http as (Omit<HttpSettings, 'isolation'> & { isolation?: QueryIsolation }) | undefined;
  // Several endpoint processes share a port; endpoint threads of one process could not.
  const http: HttpSettings | undefined = written && { ...written, isolation: written.isolation ?? (written.processes > 1 ? 'process' : 'thread') };
  return {
    workers: (raw.workers as number | undefined) ?? Math.max(1, availableParallelism() - 1),
    slots: raw.slots as number,
    placement: raw.placement as 'any' | 'pinned',
    intake: raw.intake as IntakePlacement,
    workerNiceness: raw.workerNiceness as number,
    stateDir: resolve(baseDir, (raw.stateDir as string | undefined) ?? `state/${name}`),
    ...(http ? { http } : {}),
    batch,
    statusInterval: raw.statusInterval as number,
    stopTimeout: raw.stopTimeout as number,
    commitInterval: raw.commitInterval as number,
    stateCacheMiB: raw.stateCacheMiB as number,
    ...overrides,
  };
}

/** The runtime section as a topology holds it (a schema's root takes no default). */
const sectionHolderSchema = { type: 'object', properties: { runtime: runtimeSchema }, additionalProperties: false } as const;

/** Checks a section given in code against the runtime schema, then resolves it; `where` names the job in errors. */
export function checkedRuntimeSettings(
  section: RuntimeSection,
  name: string,
  baseDir: string,
  overrides: Partial<RuntimeSettings>,
  where: string,
): RuntimeSettings {
  // The validator fills defaults in place: the caller's object stays as it was.
  const holder = { runtime: structuredClone(section) as Record<string, unknown> };
  const problem = validateAgainst(sectionHolderSchema, holder);
  if (problem) {
    const path = problem.path.join('.');
    throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `${path} ${problem.message}`, { file: where, path }, 'see the runtime settings in docs/topology.md');
  }
  return runtimeSettings(holder.runtime, name, baseDir, overrides);
}
