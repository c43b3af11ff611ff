/**
 * What an operator is: one required method (`onRecord`) and optional hooks for timers and watermarks, created from a
 * step by its type's factory. Keyed operators get state and timers through the context; they never touch LMDB.
 * An operator that waits on the outside world (the async step) holds records and hands their results on in
 * `settle`, which the stage runs before the batch's results are committed.
 */
import type { FiredTimer, Millis, ProcessContext } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';

/** A record an operator holds until its result is known; emitting or failing it acts as if done in `onRecord`. */
export interface HeldRecord {
  /** The record's id: outputs derive theirs from it, and an async call sends it as its idempotency key. */
  readonly id: string;
  readonly value: unknown;
  /** Passes the result on, under an id derived from the record's (as ctx.emit does). */
  emit(result: unknown): void;
  /** Sends a record to a named side output of the step, under an id derived from the record's (as ctx.sideOutput does). */
  sideOutput(tag: string, value: unknown): void;
  /** Applies the step's on-error policy (fail, skip, deadLetter) to the record. */
  fail(err: unknown): void;
}

export interface OperatorContext extends ProcessContext<unknown> {
  /** Passes a one-to-one result on under the input record's id (map, filter). */
  forward(value: unknown, timestamp: Millis): void;
  /** Keeps the record being processed for a result handed on later, in `settle` (async steps). */
  hold(value: unknown): HeldRecord;
}

export interface Operator {
  onRecord(value: unknown, ctx: OperatorContext): void;
  onTimer?(timer: FiredTimer, ctx: OperatorContext): void;
  onWatermark?(watermark: Millis): void;
  /** Hands on the results of every record held so far; true when there were any. Runs before the batch commits. */
  settle?(): Promise<boolean>;
}

/** A problem in a step's configuration that its schema cannot express: the YAML path below the step, and what to do. */
export interface ConfigProblem {
  path: string;
  message: string;
  hint: string;
}

export interface OperatorType {
  readonly kind: string;
  /** JSON schema of the step's own YAML keys (besides id, op, from, onError); no unknown keys. */
  readonly configSchema: Readonly<Record<string, unknown>>;
  /** Needs a key: may only run after a keyBy. */
  readonly keyed: boolean;
  /** Side outputs it may emit besides `main` (e.g. `late`). */
  readonly sidePorts: readonly string[];
  /** Names of `config` entries that are `module#export` references to user code, resolved into `code` at load. */
  readonly codeRefs: readonly string[];
  /** Hands results on after the batch's records (`settle`), when the batch's watermark may have passed them. */
  readonly settles?: boolean;
  /** Checks that span several keys of the step (for TypeScript and YAML alike); null when the step is fine. */
  checkStep?(step: StepSpec): ConfigProblem | null;
  create(step: StepSpec): Operator;
}
