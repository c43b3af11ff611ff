/**
 * What an operator is: one required method (`onRecord`) and optional hooks for timers and watermarks, created from a
 * step by its type's factory. Keyed operators get state and timers through the context; they never touch LMDB.
 */
import type { FiredTimer, Millis, ProcessContext } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';

export interface OperatorContext extends ProcessContext<unknown> {
  /** Passes a one-to-one result on under the input record's id (map, filter). */
  forward(value: unknown, timestamp: Millis): void;
}

export interface Operator {
  onRecord(value: unknown, ctx: OperatorContext): void;
  onTimer?(timer: FiredTimer, ctx: OperatorContext): void;
  onWatermark?(watermark: Millis): void;
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
  create(step: StepSpec): Operator;
}
