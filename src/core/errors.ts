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
  SINK: 'FW_ERR_SINK',
  /** A record its sink can never accept (it cannot be encoded): retrying it would jam the sink for good. */
  UNDELIVERABLE: 'FW_ERR_UNDELIVERABLE',
  /** The state directory's disk or LMDB map is full, or its storage failed (ENOSPC, EIO, MDB_MAP_FULL). */
  STORAGE_FULL: 'FW_ERR_STORAGE_FULL',
  BROKER_UNAVAILABLE: 'FW_ERR_BROKER_UNAVAILABLE',
  RULES_INVALID: 'FW_ERR_RULES_INVALID',
  EXPRESSION: 'FW_ERR_EXPRESSION',
  QUERY: 'FW_ERR_QUERY',
  PORT_IN_USE: 'FW_ERR_PORT_IN_USE',
  INTERNAL: 'FW_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

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
    return this.message.split('\n')[0]!.replace(/^FW_ERR_[A-Z_]+ /, '').replace(/ \[[^\]]*\]$/, '');
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
