/**
 * window: keyed event-time windows (tumbling, sliding, session) with an incremental aggregator, allowed lateness and
 * a `late` side output, following Flink's WindowOperator with the event-time trigger:
 * - a window fires when the watermark passes its end (timer at end - 1) and emits { key, start, end, value };
 * - with allowed lateness the window is kept until end - 1 + lateness; a record arriving in that span updates it and
 *   fires it again at once; the window is purged by a second timer;
 * - a record whose every window is past end - 1 + lateness goes to the `late` side output (and is counted there).
 * Session windows merge when they overlap; the merged accumulators are combined with `merge`.
 */
import { aggregatorFromSpec, type AggregateSpec } from '../api/aggregators.js';
import type { Aggregator, FiredTimer, Millis, WindowResult } from '../api/types.js';
import { assignWindows, type TimeWindow, type WindowAssigner } from '../api/windows.js';
import { LATE_PORT, type StepSpec } from '../graph/model.js';
import type { Operator, OperatorContext, OperatorType } from './operator.js';
import { SlidingPanes } from './window-panes.js';

const PURGE = 'purge:';
const WINDOWS_STATE = 'windows';

/** Durations: ms, or `10s`-style strings in YAML (converted at load by the `duration` keyword). */
const durationSchema = { duration: true };

export const windowOperator: OperatorType = {
  kind: 'window',
  configSchema: {
    type: 'object',
    properties: {
      assigner: {
        type: 'object',
        properties: {
          type: { enum: ['tumbling', 'sliding', 'session'] },
          size: durationSchema,
          slide: durationSchema,
          gap: durationSchema,
          offset: { type: 'number' },
        },
        required: ['type'],
        additionalProperties: false,
      },
      aggregate: {
        type: 'object',
        properties: { type: { enum: ['count', 'sum', 'min', 'max', 'avg', 'latest'] }, field: { type: 'string' } },
        required: ['type'],
        additionalProperties: false,
      },
      aggregator: { type: 'string', description: "'./file.js#export': a custom {create, add, merge, result}" },
      allowedLateness: { duration: true, default: 0 },
    },
    required: ['assigner'],
    additionalProperties: false,
  },
  keyed: true,
  sidePorts: [LATE_PORT],
  codeRefs: ['aggregator'],
  create(step: StepSpec): Operator {
    const assigner = step.config.assigner as WindowAssigner;
    const lateness = (step.config.allowedLateness as number | undefined) ?? 0;
    const aggregator = resolveAggregator(step);
    if (assigner.type === 'session') return new SessionWindows(assigner.gap, lateness, aggregator);
    if (assigner.type === 'sliding' && SlidingPanes.applies(assigner.size, assigner.slide, lateness)) {
      return new SlidingPanes(assigner.size, assigner.slide, assigner.offset ?? 0, aggregator);
    }
    return new AlignedWindows(assigner, lateness, aggregator);
  },
};

type AnyAggregator = Aggregator<unknown, unknown, unknown>;

function resolveAggregator(step: StepSpec): AnyAggregator {
  const custom = step.code.aggregator as AnyAggregator | undefined;
  if (custom) return custom;
  return aggregatorFromSpec((step.config.aggregate as AggregateSpec | undefined) ?? { type: 'count' });
}

/** The state and timer name of a window. Records of one window tend to come together: the last name is reused. */
const lastNamed = { start: NaN, end: NaN, name: '' };
function windowName(w: TimeWindow): string {
  if (w.start !== lastNamed.start || w.end !== lastNamed.end) {
    lastNamed.start = w.start;
    lastNamed.end = w.end;
    lastNamed.name = `${w.start}:${w.end}`;
  }
  return lastNamed.name;
}

function parseWindow(name: string): TimeWindow {
  const [start, end] = name.split(':').map(Number) as [number, number];
  return { start, end };
}

const isLate = (w: TimeWindow, lateness: Millis, watermark: Millis): boolean => w.end - 1 + lateness <= watermark;

abstract class WindowsBase implements Operator {
  constructor(
    protected readonly lateness: Millis,
    protected readonly aggregator: AnyAggregator,
  ) {}

  abstract onRecord(value: unknown, ctx: OperatorContext): void;

  onTimer(timer: FiredTimer, ctx: OperatorContext): void {
    const windows = ctx.mapState<unknown>(WINDOWS_STATE);
    if (timer.namespace.startsWith(PURGE)) {
      windows.delete(timer.namespace.slice(PURGE.length));
      return;
    }
    const acc = windows.get(timer.namespace);
    if (acc === undefined) return;
    this.fire(parseWindow(timer.namespace), acc, ctx);
    if (this.lateness === 0) windows.delete(timer.namespace);
  }

  protected fire(w: TimeWindow, acc: unknown, ctx: OperatorContext): void {
    const result: WindowResult<unknown> = { key: ctx.key, start: w.start, end: w.end, value: this.aggregator.result(acc) };
    ctx.emit(result, w.end - 1);
  }

  /**
   * Registers the firing timer and, with allowed lateness, the purge timer. A window the watermark has passed already
   * (opened by a record within lateness) fires at once instead (fireIfPassed), as with Flink's event-time trigger: a
   * timer would fire it a second time at the next watermark.
   */
  protected schedule(w: TimeWindow, ctx: OperatorContext): void {
    if (w.end - 1 > ctx.watermark) ctx.timers.register(w.end - 1, windowName(w));
    if (this.lateness > 0) ctx.timers.register(w.end - 1 + this.lateness, PURGE + windowName(w));
  }

  protected unschedule(w: TimeWindow, ctx: OperatorContext): void {
    ctx.timers.delete(w.end - 1, windowName(w));
    if (this.lateness > 0) ctx.timers.delete(w.end - 1 + this.lateness, PURGE + windowName(w));
  }

  /** A record for a window whose end the watermark has passed (within lateness) fires it again at once. */
  protected fireIfPassed(w: TimeWindow, acc: unknown, ctx: OperatorContext): void {
    if (w.end - 1 <= ctx.watermark) this.fire(w, acc, ctx);
  }
}

class AlignedWindows extends WindowsBase {
  constructor(
    private readonly assigner: WindowAssigner,
    lateness: Millis,
    aggregator: AnyAggregator,
  ) {
    super(lateness, aggregator);
  }

  onRecord(value: unknown, ctx: OperatorContext): void {
    const windows = ctx.mapState<unknown>(WINDOWS_STATE);
    let accepted = false;
    for (const w of assignWindows(this.assigner, ctx.timestamp)) {
      if (isLate(w, this.lateness, ctx.watermark)) continue;
      accepted = true;
      const name = windowName(w);
      const previous = windows.get(name);
      if (previous === undefined) this.schedule(w, ctx);
      const acc = this.aggregator.add(previous === undefined ? this.aggregator.create() : previous, value);
      windows.set(name, acc);
      this.fireIfPassed(w, acc, ctx);
    }
    if (!accepted) ctx.sideOutput(LATE_PORT, value);
  }
}

class SessionWindows extends WindowsBase {
  constructor(
    private readonly gap: Millis,
    lateness: Millis,
    aggregator: AnyAggregator,
  ) {
    super(lateness, aggregator);
  }

  onRecord(value: unknown, ctx: OperatorContext): void {
    const windows = ctx.mapState<unknown>(WINDOWS_STATE);
    let merged: TimeWindow = { start: ctx.timestamp, end: ctx.timestamp + this.gap };
    let acc = this.aggregator.create();
    // Existing sessions are disjoint; visited in start order, a skipped one can never overlap the growing merge.
    const sessions = windows.entries().map(([name, existing]) => ({ name, w: parseWindow(name), existing }));
    sessions.sort((a, b) => a.w.start - b.w.start);
    for (const { name, w, existing } of sessions) {
      if (w.start < merged.end && merged.start < w.end) {
        merged = { start: Math.min(w.start, merged.start), end: Math.max(w.end, merged.end) };
        acc = this.aggregator.merge(acc, existing);
        windows.delete(name);
        this.unschedule(w, ctx);
      }
    }
    if (isLate(merged, this.lateness, ctx.watermark)) {
      ctx.sideOutput(LATE_PORT, value);
      return;
    }
    acc = this.aggregator.add(acc, value);
    windows.set(windowName(merged), acc);
    this.schedule(merged, ctx);
    this.fireIfPassed(merged, acc, ctx);
  }
}
