/**
 * Query routes and metrics of the model step:
 *   GET /models[?model=click]   per model: what it has learned, the live progressive metrics over the rolling window,
 *                               how far the published version trails (examples not yet published) and the latest
 *                               `keepVersions` versions, each with the progressive metrics it was published with.
 *   GET /models/:model/calibration   the rolling window's calibration bins (model-inspection.ts)
 *   GET /models/:model/weights?top=20 the published version's largest weights, named where they can be
 * Prometheus gauges (read from state at each scrape): flywheel_model_auc, _log_loss, _calibration_error,
 * _observed_over_expected, _examples, _version and _unpublished_examples, labelled by model.
 */
import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { StateReader } from '../../state/reader.js';
import type { MetricSummary } from './metric-bins.js';
import type { ModelOptions } from './model-options.js';
import { MODEL_STATE, type Progress, type VersionInfo } from './model-state.js';
import { rollingSummary, type RollingMetrics } from './progressive-metrics.js';
import { calibration, topWeights } from './model-inspection.js';

export interface ModelReport {
  model: string;
  examples: number;
  learnedThrough: number | null;
  /** Examples learned since the latest published version. */
  unpublishedExamples: number;
  live: MetricSummary | null;
  published: VersionInfo | null;
  versions: VersionInfo[];
}

export function modelReport(state: StateReader, stepId: string, model: string): ModelReport {
  const progress = state.value<Progress>(stepId, model, MODEL_STATE.progress);
  const metrics = state.value<RollingMetrics>(stepId, model, MODEL_STATE.metrics);
  return {
    model,
    examples: progress?.examples ?? 0,
    learnedThrough: progress?.learnedThrough ?? null,
    unpublishedExamples: progress ? progress.examples - progress.publishedExamples : 0,
    live: metrics ? rollingSummary(metrics) : null,
    published: state.value<VersionInfo>(stepId, model, MODEL_STATE.head) ?? null,
    versions: state
      .mapEntries<VersionInfo>(stepId, model, MODEL_STATE.versions)
      .map(([, v]) => v)
      .reverse(),
  };
}

const GAUGES: Array<[string, string, (r: ModelReport) => number | null | undefined]> = [
  ['flywheel_model_auc', 'Progressive AUC over the rolling window', (r) => r.live?.auc],
  ['flywheel_model_log_loss', 'Progressive log loss over the rolling window', (r) => r.live?.logLoss],
  ['flywheel_model_calibration_error', 'Progressive expected calibration error over the rolling window', (r) => r.live?.expectedCalibrationError],
  ['flywheel_model_observed_over_expected', 'Positives observed / predicted over the rolling window', (r) => r.live?.observedOverExpected],
  ['flywheel_model_examples', 'Examples learned', (r) => r.examples],
  ['flywheel_model_version', 'Latest published version', (r) => r.published?.version ?? 0],
  ['flywheel_model_unpublished_examples', 'Examples learned but not yet in a published version', (r) => r.unpublishedExamples],
];

function registerGauges(registry: Registry, state: StateReader, stepId: string, models: string[]): void {
  for (const [name, help, read] of GAUGES) {
    if (registry.getSingleMetric(name)) continue;
    new Gauge({
      name,
      help,
      labelNames: ['step', 'model'],
      registers: [registry],
      // Read from state: every endpoint process reads the same value, which is not a sum over them.
      aggregator: 'first',
      collect() {
        for (const model of models) {
          const value = read(modelReport(state, stepId, model));
          if (typeof value === 'number' && Number.isFinite(value)) this.set({ step: stepId, model }, value);
        }
      },
    });
  }
}

export function modelRoutes(options: ModelOptions): QueryRoutes {
  const models = Object.keys(options.models);
  return (app: FastifyInstance, { stepId, state, registry }) => {
    if (registry) registerGauges(registry, state, stepId, models);
    app.get<{ Querystring: { model?: string } }>(
      '/models',
      { schema: { querystring: { type: 'object', additionalProperties: false, properties: { model: { type: 'string', enum: models } } } } },
      async (req) => ({ models: (req.query.model ? [req.query.model] : models).map((m) => modelReport(state, stepId, m)) }),
    );
    const modelParams = { type: 'object', properties: { model: { type: 'string', enum: models } }, required: ['model'] } as const;
    app.get<{ Params: { model: string } }>(
      '/models/:model/calibration',
      { schema: { summary: "A model's calibration over the rolling window", params: modelParams } },
      async (req) => ({
        model: req.params.model,
        bins: calibration(state, stepId, req.params.model),
      }),
    );
    app.get<{ Params: { model: string }; Querystring: { top: number } }>(
      '/models/:model/weights',
      {
        schema: {
          summary: "The published version's largest weights",
          params: modelParams,
          querystring: { type: 'object', additionalProperties: false, properties: { top: { type: 'integer', minimum: 1, maximum: 200, default: 20 } } },
        },
      },
      async (req) => ({ model: req.params.model, ...topWeights(state, stepId, req.params.model, req.query.top) }),
    );
  };
}
