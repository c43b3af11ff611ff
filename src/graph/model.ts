/**
 * The one model both the TypeScript builder and the YAML loader compile to: a frozen list of steps with explicit,
 * unique ids, their inputs and their configuration. `config` is plain data (validated, hashed, printed by
 * `describe`); `code` holds what was resolved from it (functions, aggregators, processors) and is hashed by source
 * text, so a worker that rebuilds the graph from the same module can prove it runs the same job.
 */
import { createHash } from 'node:crypto';
import type { ErrorPolicy, Millis } from '../api/types.js';

export interface InputRef {
  step: string;
  /** `main`, or a side output such as `late`. */
  port: string;
}

export interface StepOrigin {
  file: string;
  path: string;
  line?: number;
}

export interface StepSpec {
  readonly id: string;
  readonly kind: string;
  readonly inputs: readonly InputRef[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly code: Readonly<Record<string, unknown>>;
  readonly onError: ErrorPolicy;
  readonly origin?: StepOrigin;
}

export interface EventTimeConfig {
  /** Field holding the event time in ms; absent when a function (code.timestampOf) or the source timestamp is used. */
  field?: string;
  maxOutOfOrderness: Millis;
  /** A partition with no record for this long (wall clock) stops holding the watermark back. */
  idleTimeout: Millis;
  /**
   * How far ahead of its partition's watermark (and, for a source whose time follows the clock, of the clock) a
   * record's event time may be; beyond, it is dead-lettered. Absent: 1 h for such a source, no bound for others.
   */
  maxAhead?: Millis;
  /** Records with an earlier event time (an ISO 8601 date or date-time) are dead-lettered. */
  notBefore?: string;
}

export interface ConnectorSpec {
  type: string;
  options: Record<string, unknown>;
}

/** Settings that shape the job's state layout and semantics; part of the graph hash. */
export interface JobSettings {
  /** Fixed number of key groups: the unit of state placement and rescaling. */
  keyGroups: number;
  /** Id of the sink step that receives bad records (decode errors, steps with onError: deadLetter). */
  deadLetter?: string;
}

export interface JobGraph {
  readonly name: string;
  readonly settings: Readonly<JobSettings>;
  readonly steps: readonly StepSpec[];
  readonly hash: string;
}

export const MAIN_PORT = 'main';
export const LATE_PORT = 'late';
export const DEFAULT_KEY_GROUPS = 128;

export const STRUCTURAL_KINDS = ['source', 'sink', 'keyBy', 'union'] as const;

/** Freezes a graph and computes its hash. */
export function freezeGraph(name: string, settings: JobSettings, steps: StepSpec[]): JobGraph {
  const frozenSteps = steps.map((s) => Object.freeze({ ...s, inputs: Object.freeze(s.inputs.map((i) => Object.freeze({ ...i }))) }));
  return Object.freeze({
    name,
    settings: Object.freeze({ ...settings }),
    steps: Object.freeze(frozenSteps),
    hash: graphHash(name, settings, frozenSteps),
  });
}

function graphHash(name: string, settings: JobSettings, steps: readonly StepSpec[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name, settings }));
  for (const s of steps) {
    h.update(JSON.stringify({ id: s.id, kind: s.kind, inputs: s.inputs, config: s.config, onError: s.onError }));
    for (const [name, value] of Object.entries(s.code).sort(([a], [b]) => a.localeCompare(b))) {
      h.update(name);
      h.update(codeText(value));
    }
  }
  return h.digest('hex').slice(0, 16);
}

function codeText(value: unknown): string {
  if (typeof value === 'function') return value.toString();
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}:${typeof v === 'function' ? v.toString() : JSON.stringify(v)}`)
      .join(';');
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function stepById(graph: JobGraph, id: string): StepSpec | undefined {
  return graph.steps.find((s) => s.id === id);
}
