/**
 * The model step, keyed by model name (`click`, `churn`): stages each labelled example under (emission time, id),
 * and when the watermark passes the next multiple of `learnEvery` learns every staged example due by then, in that
 * order. Each example is first scored (progressive validation: the prediction goes into the rolling metrics and,
 * optionally, downstream) and then learned by FTRL-Proximal. The touched coordinates' (z, n) are written to the
 * step's state in the batch's transaction, so a restart resumes exactly the model LMDB holds. A version is published
 * every `publishEvery` examples, at the first learn tick `publishInterval` (event time) or more after the tick that
 * left the first unpublished example, and at the end of input.
 */
import type { FiredTimer, KeyedProcessor, MapState, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { findSlot } from './coordinate-store.js';
import { hashFeatures } from './feature-hashing.js';
import { update, type FtrlModel } from './ftrl.js';
import { mostPopular, recordItemView } from './item-catalogue.js';
import { ModelCache } from './model-cache.js';
import type { ModelOptions, ModelSpec } from './model-options.js';
import { dueCount, insertInOrder } from './pending-examples.js';
import { MODEL_STATE, versionKey, type ItemEntry, type PendingExample, type Progress, type PublishedModel, type VersionInfo } from './model-state.js';
import { snapshotOf } from './model-versions.js';
import { createRollingMetrics, observe, rollingSummary, type RollingMetrics } from './progressive-metrics.js';
import { timeKey, type ModelName, type TrainingExample } from './training-example.js';

const LEARN = 'learn';

/** What the step emits per learned example when `emitPredictions` is set. */
export interface ProgressivePrediction {
  model: ModelName;
  id: string;
  ts: number;
  prediction: number;
  label: 0 | 1;
  userId: string;
  itemId: string | null;
}

type Ctx = ProcessContext<ProgressivePrediction>;

export interface OnlineModel extends KeyedProcessor<TrainingExample, ProgressivePrediction> {
  /** The models this thread keeps in memory (reload counts for tests and benchmarks). */
  readonly cache: ModelCache;
}

export function onlineModel(options: ModelOptions): OnlineModel {
  const cache = new ModelCache();

  function specOf(ctx: Ctx): ModelSpec {
    const spec = options.models[ctx.key as ModelName];
    if (!spec)
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `unknown model '${ctx.key}'`,
        { key: ctx.key },
        `examples must name one of: ${Object.keys(options.models).join(', ')}`,
      );
    return spec;
  }

  function onRecord(e: TrainingExample, ctx: Ctx): void {
    specOf(ctx);
    const pendingState = ctx.state<PendingExample[]>(MODEL_STATE.pending);
    const pending = pendingState.get() ?? [];
    insertInOrder(pending, [`${timeKey(ctx.timestamp)}/${e.id}`, e.features, e.label, e.ts, e.itemId ?? null, e.category ?? null, e.price ?? null, e.userId]);
    pendingState.set(pending);
    ctx.timers.register(Math.ceil(ctx.timestamp / options.learnEvery) * options.learnEvery, LEARN);
  }

  function publish(ctx: Ctx, spec: ModelSpec, model: FtrlModel, progress: Progress, metrics: RollingMetrics): void {
    const version = progress.version + 1;
    const publishedAt = Date.now();
    const snapshot = snapshotOf(model, version);
    const info: VersionInfo = {
      model: ctx.key,
      version,
      examples: model.examples,
      learnedThrough: progress.learnedThrough,
      publishedAt,
      nonzeroWeights: snapshot.coords.length,
      metrics: rollingSummary(metrics),
    };
    ctx.state<PublishedModel>(MODEL_STATE.published).set({ ...snapshot, model: ctx.key, hashing: spec.hashing, publishedAt });
    ctx.state<VersionInfo>(MODEL_STATE.head).set(info);
    const versions = ctx.mapState<VersionInfo>(MODEL_STATE.versions);
    versions.set(versionKey(version), info);
    if (version > options.keepVersions) versions.delete(versionKey(version - options.keepVersions));
    if (progress.learnedThrough !== null) {
      const items = ctx.mapState<ItemEntry>(MODEL_STATE.items);
      ctx.state<Array<[string, number]>>(MODEL_STATE.popular).set(mostPopular(items, progress.learnedThrough, options.popularHalfLife, options.popularItems));
    }
    progress.version = version;
    progress.publishedExamples = model.examples;
    progress.publishDue = null;
  }

  function learnOne(ctx: Ctx, spec: ModelSpec, model: FtrlModel, example: PendingExample, touched: Set<number>, metrics: RollingMetrics): void {
    const [order, named, label, ts, itemId, category, price, userId] = example;
    const id = order.slice(17);
    const features = hashFeatures(named, spec.hashing);
    const prediction = update(model, features, label);
    observe(metrics, prediction, label);
    for (const coord of features.indices) touched.add(coord);
    if (itemId !== null) recordItemView(ctx.mapState<ItemEntry>(MODEL_STATE.items), itemId, category, price, ts, options.popularHalfLife);
    if (options.emitPredictions) ctx.emit({ model: ctx.key as ModelName, id, ts, prediction, label, userId, itemId });
  }

  /** Stores the (z, n) of the coordinates learned in this call: one write each, whatever the examples touching it. */
  function writeCoordinates(model: FtrlModel, touched: Set<number>, weights: MapState<[number, number]>): void {
    const { coords } = model;
    for (const coord of touched) {
      const s = findSlot(coords, coord);
      weights.set(coord.toString(36), [coords.z[s]!, coords.n[s]!]);
    }
  }

  function onTimer(timer: FiredTimer, ctx: Ctx): void {
    const spec = specOf(ctx);
    const progressState = ctx.state<Progress>(MODEL_STATE.progress);
    const progress = progressState.get() ?? { examples: 0, version: 0, publishedExamples: 0, learnedThrough: null, publishDue: null };
    const weights = ctx.mapState<[number, number]>(MODEL_STATE.weights);
    const model = cache.model(ctx.key, progress.examples, spec.ftrl, weights);
    const metricsState = ctx.state<RollingMetrics>(MODEL_STATE.metrics);
    const metrics = metricsState.get() ?? createRollingMetrics(options.metrics);
    const unpublished = () => model.examples > progress.publishedExamples;
    // The interval deadline is checked at learn ticks (not by a timer of its own), so versions fall on the same
    // examples however far one batch moves the watermark.
    if (progress.publishDue !== null && timer.time >= progress.publishDue && unpublished()) publish(ctx, spec, model, progress, metrics);
    const pendingState = ctx.state<PendingExample[]>(MODEL_STATE.pending);
    const pending = pendingState.get() ?? [];
    const due = dueCount(pending, timer.time);
    const touched = new Set<number>();
    for (const example of pending.slice(0, due)) {
      learnOne(ctx, spec, model, example, touched, metrics);
      progress.learnedThrough = Math.max(progress.learnedThrough ?? -Infinity, example[3]);
      if (model.examples - progress.publishedExamples >= options.publishEvery) publish(ctx, spec, model, progress, metrics);
    }
    if (due === pending.length) pendingState.clear();
    else pendingState.set(pending.slice(due));
    writeCoordinates(model, touched, weights);
    // At the end of input the last tick publishes whatever is left.
    if (ctx.watermark === Infinity && due === pending.length && unpublished()) publish(ctx, spec, model, progress, metrics);
    if (unpublished() && progress.publishDue === null) progress.publishDue = timer.time + options.publishInterval;
    progress.examples = model.examples;
    progressState.set(progress);
    metricsState.set(metrics);
  }

  return { onRecord, onTimer, cache };
}
