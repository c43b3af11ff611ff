/**
 * The public types a job author sees: keys, window results, aggregators, keyed state handles, timers and the
 * context a keyed process function runs in. Everything here is plain TypeScript; nothing imports the runtime.
 */
import type { StateReader } from '../state/reader.js';

export type { StateReader };

/** A partitioning key. Numbers are keyed by their decimal string, so 7 and "7" are the same key. */
export type Key = string;

/** Milliseconds: event time, durations, timer times. */
export type Millis = number;

/** What a window step emits for each fired window. */
export interface WindowResult<R> {
  key: Key;
  /** Window start, inclusive (ms). */
  start: Millis;
  /** Window end, exclusive (ms). */
  end: Millis;
  value: R;
}

/**
 * An incremental aggregation, as in Flink's AggregateFunction. `merge` combines two accumulators (session windows
 * merge; sliding windows may share partials). Accumulators must be plain data (they are stored in LMDB).
 */
export interface Aggregator<In, Acc, Out> {
  create(): Acc;
  add(acc: Acc, value: In): Acc;
  merge(a: Acc, b: Acc): Acc;
  result(acc: Acc): Out;
}

export interface ValueState<T> {
  get(): T | undefined;
  set(value: T): void;
  clear(): void;
}

export interface MapState<V> {
  get(entry: string): V | undefined;
  set(entry: string, value: V): void;
  delete(entry: string): void;
  /** Entries in key order. */
  entries(): Array<[string, V]>;
}

export interface StateOptions {
  /**
   * Time to live in event time: the value expires once the watermark passes its last write plus `ttl` ms.
   * Event time (not wall-clock) keeps a replay after a crash identical to the run that was never interrupted.
   */
  ttl?: Millis;
}

export interface TimerService {
  /** Registers an event-time timer for the current key; `namespace` tells timers of one key apart. */
  register(time: Millis, namespace?: string): void;
  delete(time: Millis, namespace?: string): void;
}

/** What a keyed process function can do while it handles one record or one timer. */
export interface ProcessContext<Out> {
  readonly key: Key;
  /** Event time of the record being processed, or the time of the firing timer. */
  readonly timestamp: Millis;
  /** The current watermark of this slot. */
  readonly watermark: Millis;
  /** The value state `name`; as in Flink, the handle always acts on the key being processed when it is used. */
  state<T>(name: string, options?: StateOptions): ValueState<T>;
  /** The map state `name`; the handle acts on the key being processed, as `state`'s does. */
  mapState<V>(name: string, options?: StateOptions): MapState<V>;
  readonly timers: TimerService;
  /**
   * Read-only lookups into the committed state of any step of this job, as of the last committed batch (as a
   * Kafka Streams processor reads a global store, or a Flink lookup join reads a table). For serving steps that
   * answer from what other steps maintain; a replay after a crash may read newer values, so what a step emits from
   * lookups should name what it read (a model version, a feature snapshot time).
   */
  readonly lookup: StateReader;
  /** Sends a record downstream; its event time defaults to the current timestamp. */
  emit(value: Out, timestamp?: Millis): void;
  /** Sends a record to a named side output (e.g. `late`), which a job can route to its own sink. */
  sideOutput(tag: string, value: unknown, timestamp?: Millis): void;
}

export interface FiredTimer {
  time: Millis;
  namespace: string;
}

/** A keyed process function, as Flink's KeyedProcessFunction: one required method, an optional timer hook. */
export interface KeyedProcessor<In, Out> {
  onRecord(value: In, ctx: ProcessContext<Out>): void;
  onTimer?(timer: FiredTimer, ctx: ProcessContext<Out>): void;
}

/** Metadata of a record, as map/filter functions may want it. */
export interface RecordInfo {
  readonly timestamp: Millis;
  readonly key: Key | null;
}

/** On-error policy of a step: stop the job, skip the record (counted), or send it to the dead-letter sink. */
export type ErrorPolicy = 'fail' | 'skip' | 'deadLetter';

/** What an async step's client is given besides the record (docs/async.md). */
export interface AsyncCall {
  /** The record's id: the same on every attempt and after a crash, so the service can recognise a repeated call. */
  readonly idempotencyKey: string;
  /** Aborted when the attempt times out or the batch fails; pass it on to the request. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry, ... */
  readonly attempt: number;
}

/**
 * A client of an async step: calls the outside service for one record and resolves to the result (plain data). A
 * thrown error is retried, unless it carries `retryable: false` (a request the service refused for good).
 */
export type AsyncClient<In = unknown, Result = unknown> = (record: In, call: AsyncCall) => Promise<Result>;

/** The built-in HTTP client of an async step (node:http with kept-alive connections). */
export interface HttpCallOptions {
  /** May name record fields in braces, URL-encoded: `https://api.example/users/{userId}`. */
  url: string;
  /** Default POST. */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent with every call, besides `Idempotency-Key` (the record's id) and the JSON content headers. */
  headers?: Record<string, string>;
  /** The JSON body's fields, each a path in the record (`to: user.phone`); default: the whole record. */
  body?: Record<string, string>;
}

/** The chat client of an async step: an OpenAI-compatible chat-completions endpoint, its answer text the result. */
export interface ChatCallOptions {
  /** The API's base URL; the client posts to {baseUrl}/chat/completions. */
  baseUrl: string;
  model: string;
  /** The one user message, with record fields in braces: `Offer {offer.coupon}% to a {segment} customer`. */
  prompt: string;
  /** Sent as `Authorization: Bearer <apiKey>` when not empty; give it as ${VAR} so it comes from the environment. */
  apiKey?: string;
  /** Longest answer text accepted, in characters (default 500); a longer one is garbage. */
  maxLength?: number;
}

/**
 * What an async step emits for a record whose call failed for good, instead of applying its onError policy: the
 * output field (`output.into`) filled from a template, the cause marked in `markField`, and a `fallbacks` side
 * output record `{ recordId, step, cause, reason }`.
 */
export interface AsyncFallbackOptions {
  /** Text with record fields in braces: `{offer.coupon}% off your next order`. */
  template: string;
  /** The field that names the cause (timeout, breaker, garbage, refused, failed); default `<output.into>Fallback`. */
  markField?: string;
}

/** How an async step puts its result into the record it emits. */
export interface AsyncOutputOptions {
  /** The whole result under this field of a copy of the record (default `result`). */
  into?: string;
  /** Or chosen parts of it: output field -> path in the result (`score: data.score`). */
  fields?: Record<string, string>;
}

/** An async step: a call per record with bounded concurrency, timeout, retries and a circuit breaker. */
export interface AsyncStepOptions<In, Result> {
  /** The built-in HTTP client; or give `chat` or `client`. */
  http?: HttpCallOptions;
  chat?: ChatCallOptions;
  client?: AsyncClient<In, Result>;
  /** Calls in flight at once per worker thread (default 100). */
  capacity?: number;
  /** Longest wait for one attempt, ms (default 5000). */
  timeout?: Millis;
  /** Attempts after the first (default 3). */
  retries?: number;
  /** Exponential backoff between attempts with full jitter: a delay drawn from 0 up to initial * 2^retry, at most max. */
  backoff?: { initial?: Millis; max?: Millis };
  /** Results in input order (default), or as they complete. */
  ordered?: boolean;
  /** Opens after `failures` consecutive failed attempts; refuses calls for `openFor` ms, then lets one through to try. */
  circuitBreaker?: { failures?: number; openFor?: Millis };
  output?: AsyncOutputOptions;
  /** With it, a failed call fills the output from a template instead of failing the record (needs `output.into`). */
  fallback?: AsyncFallbackOptions;
}
