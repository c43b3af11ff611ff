/**
 * The model step, keyed by model name (`click`, `churn`): stages each labelled example under (emission time, id),
 * and when the watermark passes the next multiple of `learnEvery` learns every staged example due by then, in that
 * order. Each example is first scored (progressive validation: the prediction goes into the rolling metrics and,
 * optionally, downstream) and then learned by FTRL-Proximal. The touched coordinates' (z, n) are written to the
 * step's state in the batch's transaction, so a restart resumes exactly the model LMDB holds. A version is published
 * every `publishEvery` examples, or `publishInterval` of event time after the first unpublished one.
 */
import type { FiredTimer, KeyedProcessor, MapState, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../runtime/errors.js';
import { findSlot } from './coordinate-store.js';
import { hashFeatures } from './feature-hashing.js';
import { update, type FtrlModel } from './ftrl.js';
import { mostPopular, recordItemView } from './item-catalogue.js';
import { ModelCache } from './model-cache.js';
import type { ModelOptions, ModelSpec } from './model-options.js';
import { MODEL_STATE, versionKey, type ItemEntry, type PendingExample, type Progress, type PublishedModel, type VersionInfo } from './model-state.js';
import { snapshotOf } from './model-versions.js';
import { createRollingMetrics, observe, rollingSummary, type RollingMetrics } from './progressive-metrics.js';
import { timeKey, type ModelName, type TrainingExample } from './training-example.js';

const LEARN = 'learn';
const PUBLISH = 'publish';

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
    if (!spec) throw new FlywheelError(ErrorCodes.BAD_RECORD, `unknown model '${ctx.key}'`, { key: ctx.key }, `examples must name one of: ${Object.keys(options.models).join(', ')}`);
    return spec;
  }

  function onRecord(e: TrainingExample, ctx: Ctx): void {
    specOf(ctx);
    const pending: PendingExample = [e.features, e.label, e.ts, e.itemId ?? null, e.category ?? null, e.price ?? null, e.userId];
    ctx.mapState<PendingExample>(MODEL_STATE.pending).set(`${timeKey(ctx.timestamp)}/${e.id}`, pending);
    ctx.timers.register(Math.ceil(ctx.timestamp / options.learnEvery) * options.learnEvery, LEARN);
  }

  function publish(ctx: Ctx, spec: ModelSpec, model: FtrlModel, progress: Progress, metrics: RollingMetrics): void {
    const version = progress.version + 1;
    const publishedAt = Date.now();
    const snapshot = snapshotOf(model, version);
    const info: VersionInfo = { model: ctx.key, version, examples: model.examples, learnedThrough: progress.learnedThrough, publishedAt, nonzeroWeights: snapshot.coords.length, metrics: rollingSummary(metrics) };
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
  }

  function learnOne(ctx: Ctx, spec: ModelSpec, model: FtrlModel, id: string, example: PendingExample, weights: MapState<[number, number]>, metrics: RollingMetrics): void {
    const [named, label, ts, itemId, category, price, userId] = example;
    const features = hashFeatures(named, spec.hashing);
    const prediction = update(model, features, label);
    observe(metrics, prediction, label);
    const { coords } = model;
    for (const coord of features.indices) {
      const s = findSlot(coords, coord);
      weights.set(coord.toString(36), [coords.z[s]!, coords.n[s]!]);
    }
    if (itemId !== null) recordItemView(ctx.mapState<ItemEntry>(MODEL_STATE.items), itemId, category, price, ts, options.popularHalfLife);
    if (options.emitPredictions) ctx.emit({ model: ctx.key as ModelName, id, ts, prediction, label, userId, itemId });
  }

  function onTimer(timer: FiredTimer, ctx: Ctx): void {
    const spec = specOf(ctx);
    const progressState = ctx.state<Progress>(MODEL_STATE.progress);
    const progress = progressState.get() ?? { examples: 0, version: 0, publishedExamples: 0, learnedThrough: null, publishDue: null };
    const weights = ctx.mapState<[number, number]>(MODEL_STATE.weights);
    const model = cache.model(ctx.key, progress.examples, spec.ftrl, weights);
    const metricsState = ctx.state<RollingMetrics>(MODEL_STATE.metrics);
    const metrics = metricsState.get() ?? createRollingMetrics(options.metrics);
    if (timer.namespace === LEARN) {
      const pending = ctx.mapState<PendingExample>(MODEL_STATE.pending);
      const horizon = timeKey(timer.time);
      for (const [name, example] of pending.entries()) {
        if (name.slice(0, 16) > horizon) break;
        pending.delete(name);
        learnOne(ctx, spec, model, name.slice(17), example, weights, metrics);
        progress.learnedThrough = Math.max(progress.learnedThrough ?? -Infinity, example[2]);
        if (model.examples - progress.publishedExamples >= options.publishEvery) publish(ctx, spec, model, progress, metrics);
      }
    } else {
      progress.publishDue = null;
      if (model.examples > progress.publishedExamples) publish(ctx, spec, model, progress, metrics);
    }
    if (model.examples > progress.publishedExamples && progress.publishDue === null) {
      progress.publishDue = timer.time + options.publishInterval;
      ctx.timers.register(progress.publishDue, PUBLISH);
    }
    progress.examples = model.examples;
    progressState.set(progress);
    metricsState.set(metrics);
  }

  return { onRecord, onTimer, cache };
}
