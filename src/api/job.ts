/**
 * The TypeScript job builder: `job(name, j => ...)` returns a frozen graph. Streams are typed end to end, so a step
 * given the wrong record type is a compile error. Every step takes its explicit, unique, stable id first; the id names
 * the step's state, metrics, logs and errors.
 */
import { freezeGraph, DEFAULT_KEY_GROUPS, LATE_PORT, MAIN_PORT, type ConnectorSpec, type InputRef, type JobGraph, type StepSpec } from '../graph/model.js';
import { checkGraph } from '../graph/checks.js';
import type { Aggregator, AsyncStepOptions, ErrorPolicy, Key, KeyedProcessor, Millis, RecordInfo, WindowResult } from './types.js';
import type { WindowAssigner } from './windows.js';
import type { PersonalDataSettings } from '../connectors/personal-data/personal-data-options.js';

export interface EventTimeOptions<T> {
  /** Field holding the event time in ms. */
  field?: keyof T & string;
  /** Or a function computing it. Without either, the source's own timestamp is used. */
  extract?: (value: T) => Millis;
  /** Bounded out-of-orderness: the watermark trails the highest event time seen by this much (default 0). */
  maxOutOfOrderness?: Millis;
  /** A partition silent this long (wall clock) stops holding the watermark back (default 10 s). */
  idleTimeout?: Millis;
  /** How far ahead of the partition's watermark (and of the clock, for a live Kafka topic) an event may be (docs/runtime.md). */
  maxAhead?: Millis;
  /** Events before this date (ISO 8601) are dead-lettered. */
  notBefore?: string;
}

export interface StepOptions {
  onError?: ErrorPolicy;
}

export interface WindowOptions extends StepOptions {
  allowedLateness?: Millis;
}

class GraphBuilder {
  readonly steps: StepSpec[] = [];
  deadLetter: string | undefined;

  add(step: Omit<StepSpec, 'onError'> & { onError?: ErrorPolicy }): void {
    this.steps.push({ ...step, onError: step.onError ?? 'fail' });
  }
}

export class Stream<T> {
  constructor(
    protected readonly builder: GraphBuilder,
    protected readonly input: InputRef,
  ) {}

  map<U>(id: string, fn: (value: T, info: RecordInfo) => U, options: StepOptions = {}): Stream<U> {
    return this.operator(id, 'map', { fn }, options);
  }

  filter(id: string, predicate: (value: T, info: RecordInfo) => boolean, options: StepOptions = {}): Stream<T> {
    return this.operator(id, 'filter', { fn: predicate }, options);
  }

  flatMap<U>(id: string, fn: (value: T, info: RecordInfo) => Iterable<U>, options: StepOptions = {}): Stream<U> {
    return this.operator(id, 'flatMap', { fn }, options);
  }

  /** Partitions by key: records of one key are processed in order, by one slot, with that key's state. */
  keyBy(id: string, key: (keyof T & string) | ((value: T) => Key | number), options: StepOptions = {}): KeyedStream<T> {
    const byField = typeof key === 'string';
    this.builder.add({
      id,
      kind: 'keyBy',
      inputs: [this.input],
      config: byField ? { field: key } : {},
      code: byField ? {} : { keyOf: key },
      ...options,
    });
    return new KeyedStream<T>(this.builder, { step: id, port: MAIN_PORT });
  }

  union(id: string, ...others: Stream<T>[]): Stream<T> {
    this.builder.add({ id, kind: 'union', inputs: [this.input, ...others.map((o) => o.input)], config: {}, code: {} });
    return new Stream<T>(this.builder, { step: id, port: MAIN_PORT });
  }

  sink(id: string, connector: ConnectorSpec): void {
    this.builder.add({ id, kind: 'sink', inputs: [this.input], config: { connector }, code: {} });
  }

  protected operator<U>(id: string, kind: string, code: Record<string, unknown>, options: StepOptions): Stream<U> {
    this.builder.add({ id, kind, inputs: [this.input], config: {}, code, ...options });
    // A step on a keyed stream (a window's results included) keeps the key; the subclass's own constructor may differ.
    const next = this instanceof KeyedStream ? KeyedStream : Stream;
    return new next<U>(this.builder, { step: id, port: MAIN_PORT });
  }
}

/** A stream whose records carry a key; stateless steps on it keep the key (like Kafka Streams' mapValues). */
export class KeyedStream<T> extends Stream<T> {
  override map<U>(id: string, fn: (value: T, info: RecordInfo) => U, options: StepOptions = {}): KeyedStream<U> {
    return super.map(id, fn, options) as KeyedStream<U>;
  }

  override filter(id: string, predicate: (value: T, info: RecordInfo) => boolean, options: StepOptions = {}): KeyedStream<T> {
    return super.filter(id, predicate, options) as KeyedStream<T>;
  }

  override flatMap<U>(id: string, fn: (value: T, info: RecordInfo) => Iterable<U>, options: StepOptions = {}): KeyedStream<U> {
    return super.flatMap(id, fn, options) as KeyedStream<U>;
  }

  /** Streams keyed by the same keyBy stage stay keyed when combined (the planner refuses streams of different ones). */
  override union(id: string, ...others: Stream<T>[]): KeyedStream<T> {
    super.union(id, ...others);
    return new KeyedStream<T>(this.builder, { step: id, port: MAIN_PORT });
  }

  window<A, R>(id: string, assigner: WindowAssigner, aggregator: Aggregator<T, A, R>, options: WindowOptions = {}): WindowedStream<T, R> {
    const { allowedLateness = 0, ...stepOptions } = options;
    this.builder.add({ id, kind: 'window', inputs: [this.input], config: { assigner, allowedLateness }, code: { aggregator }, ...stepOptions });
    return new WindowedStream<T, R>(this.builder, id);
  }

  process<U>(id: string, processor: KeyedProcessor<T, U>, options: StepOptions = {}): KeyedStream<U> {
    this.builder.add({ id, kind: 'process', inputs: [this.input], config: {}, code: { processor }, ...options });
    return new KeyedStream<U>(this.builder, { step: id, port: MAIN_PORT });
  }

  /**
   * Calls an outside service per record (docs/async.md): `http` for the built-in client or `client` for your own;
   * the result joins a copy of the record (under `result` unless `output` says otherwise).
   */
  async<U = T & { result: unknown }, R = unknown>(id: string, options: AsyncStepOptions<T, R>, stepOptions: StepOptions = {}): KeyedStream<U> {
    const { client, ...config } = options;
    this.builder.add({ id, kind: 'async', inputs: [this.input], config, code: client ? { client } : {}, ...stepOptions });
    return new KeyedStream<U>(this.builder, { step: id, port: MAIN_PORT });
  }

  /** Records a process function sent to a named side output. */
  sideOutput<U>(tag: string): KeyedStream<U> {
    return new KeyedStream<U>(this.builder, { step: this.input.step, port: tag });
  }
}

/** The results of a window step, with its `late` side output: records too late for every window they belong to. */
export class WindowedStream<T, R> extends KeyedStream<WindowResult<R>> {
  readonly late: KeyedStream<T>;

  constructor(builder: GraphBuilder, stepId: string) {
    super(builder, { step: stepId, port: MAIN_PORT });
    this.late = new KeyedStream<T>(builder, { step: stepId, port: LATE_PORT });
  }
}

export class JobBuilder {
  constructor(private readonly builder: GraphBuilder) {}

  /** `personalData`: fields hashed with a keyed HMAC as the source reads them (docs/identity.md). */
  source<T>(
    id: string,
    connector: ConnectorSpec,
    options: { eventTime?: EventTimeOptions<T>; personalData?: Pick<PersonalDataSettings, 'fields'> & Partial<PersonalDataSettings> } = {},
  ): Stream<T> {
    const et = options.eventTime ?? {};
    this.builder.add({
      id,
      kind: 'source',
      inputs: [],
      config: {
        connector,
        eventTime: {
          ...(et.field ? { field: et.field } : {}),
          maxOutOfOrderness: et.maxOutOfOrderness ?? 0,
          idleTimeout: et.idleTimeout ?? 10_000,
          ...(et.maxAhead === undefined ? {} : { maxAhead: et.maxAhead }),
          ...(et.notBefore === undefined ? {} : { notBefore: et.notBefore }),
        },
        ...(options.personalData ? { personalData: options.personalData } : {}),
      },
      code: et.extract ? { timestampOf: et.extract } : {},
    });
    return new Stream<T>(this.builder, { step: id, port: MAIN_PORT });
  }

  /** The sink that receives bad records (undecodable input, and steps whose onError is `deadLetter`) with the reason. */
  deadLetter(id: string, connector: ConnectorSpec): void {
    this.builder.add({ id, kind: 'sink', inputs: [], config: { connector }, code: {} });
    this.builder.deadLetter = id;
  }
}

export interface JobOptions {
  keyGroups?: number;
}

export function job(name: string, build: (j: JobBuilder) => void, options: JobOptions = {}): JobGraph {
  const builder = new GraphBuilder();
  build(new JobBuilder(builder));
  const settings = {
    keyGroups: options.keyGroups ?? DEFAULT_KEY_GROUPS,
    ...(builder.deadLetter ? { deadLetter: builder.deadLetter } : {}),
  };
  const graph = freezeGraph(name, settings, builder.steps);
  checkGraph(graph);
  return graph;
}
