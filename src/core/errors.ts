/**
 * The error catalogue: every error Flywheel raises has a stable code (FW_ERR_*), says where it happened (step id,
 * key, source position, file and line) and what to do. Errors cross worker threads as plain objects and are rebuilt
 * here, because Error subclasses lose their class and fields in postMessage.
 */

export const ErrorCodes = {
  CONFIG_INVALID: 'FW_ERR_CONFIG_INVALID',
  TOPOLOGY_INVALID: 'FW_ERR_TOPOLOGY_INVALID',
  GRAPH_INVALID: 'FW_ERR_GRAPH_INVALID',
  GRAPH_MISMATCH: 'FW_ERR_GRAPH_MISMATCH',
  MODULE_EXPORT: 'FW_ERR_MODULE_EXPORT',
  USER_CODE: 'FW_ERR_USER_CODE',
  BAD_RECORD: 'FW_ERR_BAD_RECORD',
  LATE_RECORD: 'FW_ERR_LATE_RECORD',
  STATE: 'FW_ERR_STATE',
  SOURCE: 'FW_ERR_SOURCE',
  /** A sink's write failed for now (a webhook's receiver after the last retry): written again with backoff. */
  SINK: 'FW_ERR_SINK',
  /** A record its sink can never accept (it cannot be encoded, or the destination refused it): retrying would jam the sink. */
  UNDELIVERABLE: 'FW_ERR_UNDELIVERABLE',
  /** The state directory's disk or LMDB map is full, or its storage failed (ENOSPC, EIO, MDB_MAP_FULL). */
  STORAGE_FULL: 'FW_ERR_STORAGE_FULL',
  BROKER_UNAVAILABLE: 'FW_ERR_BROKER_UNAVAILABLE',
  RULES_INVALID: 'FW_ERR_RULES_INVALID',
  EXPRESSION: 'FW_ERR_EXPRESSION',
  QUERY: 'FW_ERR_QUERY',
  PORT_IN_USE: 'FW_ERR_PORT_IN_USE',
  /** An async step's call to an outside service failed for good: after its last retry, or with an answer not worth retrying. */
  ASYNC_CALL: 'FW_ERR_ASYNC_CALL',
  INTERNAL: 'FW_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** What a code means and what to do about it. */
export interface ErrorCodeEntry {
  meaning: string;
  action: string;
}

/** Every code's entry: the source of docs/errors.md (`npm run docs:errors` writes it; a test checks it is current). */
export const ErrorCodeReference: { readonly [C in ErrorCode]: ErrorCodeEntry } = {
  FW_ERR_CONFIG_INVALID: {
    meaning: 'A setting is invalid: a connector type or option, a runtime setting, a command-line flag, a step option, or a listen address the system refuses.',
    action:
      'Fix the setting the message names (the file, YAML path and line when it came from a topology); `flywheel validate` checks a topology without running it.',
  },
  FW_ERR_TOPOLOGY_INVALID: {
    meaning:
      'A topology file cannot be loaded: YAML syntax, a value the topology schema refuses, an unknown key, a file over its size limits, or an environment variable that `run` needs and is not set.',
    action: 'Fix the file at the path and line given; set the variable or give it a default (`${NAME:-value}`).',
  },
  FW_ERR_GRAPH_INVALID: {
    meaning:
      'The steps do not form a valid job: an unknown or duplicate step id, a cycle, a step reading from nothing, or state or timers used before any keyBy.',
    action: 'Fix the step the message names; `flywheel describe` shows the plan of a valid job.',
  },
  FW_ERR_GRAPH_MISMATCH: {
    meaning: 'A worker thread or the query endpoint built a different graph from the job module than the main thread did.',
    action: 'Make the job module build the same graph on every import: no randomness, clock or environment-dependent steps.',
  },
  FW_ERR_MODULE_EXPORT: {
    meaning: 'A job module has no export of the given name, or the export is not a job.',
    action: 'Export the result of `job(...)` under the name given after `#` (or pass the module the job is exported from).',
  },
  FW_ERR_USER_CODE: {
    meaning: "A step's code threw on a record or a timer and the step's onError policy is `fail` (the default).",
    action: "Fix the step's code, or set its `onError` to `skip` or `deadLetter`; the message names the step, the key and the source position.",
  },
  FW_ERR_BAD_RECORD: {
    meaning:
      'A record cannot be processed: it cannot be decoded, has no usable event time or key, or breaks a record limit, and the job has no dead-letter sink; also a request whose input is invalid.',
    action: 'Declare a `deadLetter` sink so such records are kept with their reason instead of stopping the job, or fix the producer.',
  },
  FW_ERR_LATE_RECORD: {
    meaning: "Reserved: no part of this version raises it (late records go to the window step's late output, or to the dead-letter sink).",
    action: 'None.',
  },
  FW_ERR_STATE: {
    meaning:
      'State cannot be used as it stands: another process holds the state directory, it was written with another key-group or slot layout or an earlier format, or what a step stored is inconsistent (a model delta that does not apply, an experiment contribution without its propensity).',
    action:
      'Stop the other process, run with the layout the state was written with, or start from an empty state directory (or restore it) and replay the input.',
  },
  FW_ERR_SOURCE: {
    meaning: 'A source cannot be opened or read: a missing input file, a topic with no partitions, an offset out of range, a failed read.',
    action: 'Check the source configuration and that its origin exists and is reachable.',
  },
  FW_ERR_SINK: {
    meaning:
      "A sink's write failed for now: a webhook's receiver did not answer 2xx after the last retry (408, 429, 5xx, a timeout, a connection error). The job goes on: the outputs stay in the outbox and are written again with backoff, counted in flywheel_sink_write_failures_total, and /readyz says why.",
    action: 'Check the destination the message names (the webhook url, its receiver); delivery resumes by itself once it answers.',
  },
  FW_ERR_UNDELIVERABLE: {
    meaning:
      'A record its sink can never accept: it cannot be encoded, or the destination refused it for good (a webhook answered a 4xx other than 408 and 429) and the job has no dead-letter sink. Retrying it would jam the sink, so the job stops; the output stays in the outbox.',
    action:
      'Make the step that feeds the sink emit plain data (no cycles, no deep nesting, nothing its format cannot encode); declare a `deadLetter` sink to keep refused outputs with their reason, or fix what the receiver refuses and restart.',
  },
  FW_ERR_STORAGE_FULL: {
    meaning:
      "The state directory's disk or LMDB map is full, or its storage failed (ENOSPC, EIO, EDQUOT, EROFS, EFBIG, MDB_MAP_FULL); the job stops and /healthz answers 503.",
    action: 'Free or grow the storage of the directory named, then restart: nothing applied is lost.',
  },
  FW_ERR_BROKER_UNAVAILABLE: {
    meaning: 'Kafka cannot be reached; opening is retried with backoff while /readyz says why.',
    action: 'Start the broker (`flywheel broker` for development) or fix `brokers`.',
  },
  FW_ERR_RULES_INVALID: {
    meaning: 'A decision rules file cannot be read or is invalid.',
    action: 'Fix the rules file at the path and line given.',
  },
  FW_ERR_EXPRESSION: {
    meaning: 'A rule expression failed on the inputs of a request (a missing or mistyped input).',
    action: 'Guard the expression for missing or mistyped inputs, or give the request every input the rules declare.',
  },
  FW_ERR_QUERY: {
    meaning: 'A query cannot be answered yet (a model with no published version); HTTP routes answer 503.',
    action: 'Wait until the step has published what the query needs (see GET /models).',
  },
  FW_ERR_PORT_IN_USE: {
    meaning: "The query endpoint's port is in use by another process; reported before the state directory is touched.",
    action: 'Stop the other process, or give another port (`runtime.http.port`, or `--port`).',
  },
  FW_ERR_ASYNC_CALL: {
    meaning:
      "An async step's call to an outside service failed for good: every attempt failed (a connection error, a timeout, an answer 408, 429 or 5xx, a refusal by the open circuit breaker), or the service answered another 4xx status or a body that is not JSON, and the step's onError is `fail`.",
    action:
      "Check the service the message names and the step's url, timeout and retries; set the step's `onError: deadLetter` to keep failed records with their reason instead of stopping the job.",
  },
  FW_ERR_INTERNAL: {
    meaning: 'An error with no code of its own, from Flywheel or a library it uses.',
    action: 'Read the message and its cause; if it is not explained by the job or its environment, report it with the message.',
  },
};

/** Where an error happened; every field is optional, set what is known. */
export interface ErrorPlace {
  stepId?: string;
  key?: string;
  file?: string;
  /** YAML/JSON path inside `file`, e.g. `steps[2].window.size`. */
  path?: string;
  line?: number;
  /** The source step a record came from (for Kafka sources the topic is set too). */
  source?: string;
  topic?: string;
  partition?: number;
  offset?: number;
}

/** The plain-object form of a FlywheelError, safe for postMessage and for JSON. */
export interface PlainError extends ErrorPlace {
  code: ErrorCode;
  message: string;
  hint?: string;
  cause?: string;
}

export class FlywheelError extends Error {
  readonly code: ErrorCode;
  readonly place: ErrorPlace;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, place: ErrorPlace = {}, hint?: string, cause?: unknown) {
    super(formatMessage(code, message, place, hint), cause === undefined ? undefined : { cause });
    this.name = 'FlywheelError';
    this.code = code;
    this.place = place;
    this.hint = hint;
  }

  /** The bare message without code, place and hint. */
  get detail(): string {
    return this.message
      .split('\n')[0]!
      .replace(/^FW_ERR_[A-Z_]+ /, '')
      .replace(/ \[[^\]]*\]$/, '');
  }

  toPlain(): PlainError {
    const cause = this.cause instanceof Error ? this.cause.message : this.cause === undefined ? undefined : String(this.cause);
    return { code: this.code, message: this.message, ...this.place, ...(this.hint ? { hint: this.hint } : {}), ...(cause ? { cause } : {}) };
  }

  static fromPlain(plain: PlainError): FlywheelError {
    const { code, message, hint, cause, ...place } = plain;
    const err = new FlywheelError(code, message, {}, undefined, cause);
    // The message already carries place and hint as formatted on the thread that raised it.
    Object.defineProperty(err, 'message', { value: message });
    Object.defineProperty(err, 'place', { value: place });
    Object.defineProperty(err, 'hint', { value: hint });
    return err;
  }
}

/** Any thrown value as a plain error, tagged with a code and place when it is not already a FlywheelError. */
export function toPlainError(err: unknown, code: ErrorCode, place: ErrorPlace = {}): PlainError {
  if (err instanceof FlywheelError) return err.toPlain();
  const message = err instanceof Error ? err.message : String(err);
  return new FlywheelError(code, message, place).toPlain();
}

function formatMessage(code: ErrorCode, message: string, place: ErrorPlace, hint?: string): string {
  const where = describePlace(place);
  return `${code} ${message}${where ? ` [${where}]` : ''}${hint ? `\n  hint: ${hint}` : ''}`;
}

export function describePlace(place: ErrorPlace): string {
  const parts: string[] = [];
  if (place.file) parts.push(place.line !== undefined ? `${place.file}:${place.line}` : place.file);
  if (place.path) parts.push(`at ${place.path}`);
  if (place.stepId) parts.push(`step ${place.stepId}`);
  if (place.key !== undefined) parts.push(`key ${place.key}`);
  if (place.source !== undefined) parts.push(`source ${place.source}`);
  if (place.topic !== undefined) parts.push(`topic ${place.topic}`);
  if (place.partition !== undefined) parts.push(`partition ${place.partition}`);
  if (place.offset !== undefined) parts.push(`offset ${place.offset}`);
  return parts.join(', ');
}
