/**
 * Query routes of the experiment step, over the report it keeps per experiment in LMDB:
 *   GET /experiments        every declared experiment with a summary of its latest report (or `reported: false`),
 *                           then the experiments found in the stream that have a report, up to LISTED of them
 *   GET /experiments/:id    the latest report of any experiment, declared or found in the stream (?metric=name keeps
 *                           one metric); 404 when it has no report (yet)
 *   GET /experiments/:id/history   each arm's estimate with its fixed-horizon and always-valid intervals, per report
 *                           the endpoint has seen since it started (experiment-history.ts)
 */
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { ResolvedExperimentOptions } from './experiment-options.js';
import type { ExperimentReport } from './experiment-report.js';
import { EXPERIMENT_STATE } from './experiment-stage.js';
import { ExperimentHistory, SAMPLE_MS } from './experiment-history.js';

function summary(report: ExperimentReport): object {
  return {
    experiment: report.experiment,
    reported: true,
    asOf: report.asOf,
    units: report.units,
    sampleRatioMismatch: report.metrics[0]?.sampleRatio?.mismatch ?? false,
    warnings: [...new Set(report.metrics.flatMap((m) => m.warnings.map((w) => w.code)))],
    effects: report.metrics.map((m) => ({
      metric: m.metric,
      comparisons: m.comparisons.map((c) => ({
        arm: c.arm,
        estimate: c.difference?.estimate ?? null,
        adjustedPValue: c.adjustedPValue,
        alwaysValidPValue: c.alwaysValid?.pValue ?? null,
      })),
    })),
  };
}

/** At most this many experiments found in the stream are listed; `truncated` says when there are more. */
const LISTED = 1_000;

export function experimentRoutes(options: ResolvedExperimentOptions): QueryRoutes {
  const ids = [...options.experiments.keys()];
  const metrics = options.metrics.map((m) => m.name);
  return (app, { stepId, state }) => {
    const read = (id: string) => state.value<ExperimentReport>(stepId, id, EXPERIMENT_STATE.report);
    const history = new ExperimentHistory(state, stepId, EXPERIMENT_STATE.report);
    let sampler: NodeJS.Timeout | null = null;
    app.addHook('onReady', async () => {
      sampler = setInterval(() => history.sample(), SAMPLE_MS);
      sampler.unref();
    });
    app.addHook('onClose', async () => {
      if (sampler) clearInterval(sampler);
    });
    const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['id'] } as const;

    app.get('/experiments', async () => {
      const declared = new Set(ids);
      const reported = state.valueKeys(stepId, EXPERIMENT_STATE.report, LISTED + declared.size + 1);
      const found = reported.filter((id) => !declared.has(id));
      return {
        experiments: [
          ...ids.map((id) => {
            const report = read(id);
            return report ? { ...summary(report), declared: true } : { experiment: id, declared: true, reported: false };
          }),
          ...found.slice(0, LISTED).flatMap((id) => {
            const report = read(id);
            return report ? [{ ...summary(report), declared: false }] : [];
          }),
        ],
        truncated: found.length > LISTED,
      };
    });

    app.get<{ Params: { id: string }; Querystring: { metric?: string } }>(
      '/experiments/:id',
      {
        schema: {
          params: idParams,
          querystring: { type: 'object', additionalProperties: false, properties: { metric: { type: 'string', enum: metrics } } },
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        const report = read(id);
        if (!report)
          return reply.code(404).send({
            error: 'not found',
            message: `experiment '${id}' has no report (declared: ${ids.join(', ') || 'none'}): step '${stepId}' reports an experiment, declared or not, once the watermark passes the first emit time after its first exposure`,
          });
        const metric = req.query.metric;
        return metric === undefined ? report : { ...report, metrics: report.metrics.filter((m) => m.metric === metric) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/experiments/:id/history',
      { schema: { summary: "An experiment's estimates and intervals per report seen", params: idParams } },
      async (req) => ({
        experiment: req.params.id,
        sampledEveryMs: SAMPLE_MS,
        points: history.of(req.params.id),
      }),
    );
  };
}
