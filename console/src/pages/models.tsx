/**
 * The models: per model its live progressive metrics, its published versions' AUC and log loss over time (a
 * plot), its calibration over the rolling window (observed rate against mean prediction per bin), and the largest
 * weights of its published version.
 */
import type { ModelReport } from '../../../src/jobs/model/model-routes.js';
import type { CalibrationBin, WeightTerm } from '../../../src/jobs/model/model-inspection.js';
import { usePoll } from '../api.js';
import { Chart } from '../parts/chart.js';
import { num, time } from '../parts/format.js';
import { Problem } from '../parts/problem.js';

const POLL_MS = 5_000;

function Versions({ report }: { report: ModelReport }) {
  const versions = [...report.versions].sort((a, b) => a.publishedAt - b.publishedAt);
  if (versions.length === 0) return <p class="note">No published version yet.</p>;
  const at = versions.map((v) => v.publishedAt / 1000);
  return (
    <div class="columns">
      <Chart title="AUC per version" testId={`auc-${report.model}`} points data={[at, versions.map((v) => v.metrics.auc)]} series={[{ label: 'AUC', color: '#2563eb' }]} />
      <Chart title="log loss per version" testId={`logloss-${report.model}`} points data={[at, versions.map((v) => v.metrics.logLoss)]} series={[{ label: 'log loss', color: '#dc2626' }]} />
    </div>
  );
}

function Calibration({ model }: { model: string }) {
  const { data } = usePoll<{ bins: CalibrationBin[] }>(`models/${encodeURIComponent(model)}/calibration`, POLL_MS);
  const bins = (data?.bins ?? []).filter((b) => b.examples > 0);
  if (bins.length === 0) return <p class="note">No progressive predictions yet.</p>;
  const x = bins.map((b) => b.meanPrediction!);
  return (
    <Chart
      title="calibration: observed rate against mean prediction"
      time={false}
      points
      testId={`calibration-${model}`}
      data={[x, bins.map((b) => b.observedRate), x]}
      series={[
        { label: 'observed', color: '#16a34a' },
        { label: 'perfectly calibrated', color: '#9ca3af', dash: [3, 3] },
      ]}
    />
  );
}

function Weights({ model }: { model: string }) {
  const { data } = usePoll<{ version: number | null; nonzero: number; terms: WeightTerm[] }>(`models/${encodeURIComponent(model)}/weights?top=15`, POLL_MS);
  if (!data || data.version === null) return <p class="note">No published version yet.</p>;
  const largest = Math.max(...data.terms.map((t) => Math.abs(t.weight)), 1e-12);
  return (
    <table class="weights">
      <caption>Largest of the {num(data.nonzero)} nonzero weights of version {data.version}</caption>
      <tbody>
        {data.terms.map((t) => (
          <tr key={t.coordinate}>
            <td>{t.name ?? <span class="note">coordinate {t.coordinate} (a hashed id or category)</span>}</td>
            <td class="n">{num(t.weight, 4)}</td>
            <td class="bar"><span class={t.weight < 0 ? 'neg' : 'pos'} style={{ width: `${(Math.abs(t.weight) / largest) * 100}%` }} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsPage() {
  const { data, error } = usePoll<{ models: ModelReport[] }>('models', POLL_MS);
  if (!data) return <Problem error={error} waiting="Reading the models…" absent="This job has no model step." />;
  return (
    <div>
      {data.models.map((r) => (
        <section key={r.model} data-testid={`model-${r.model}`}>
          <h2>{r.model}</h2>
          <p>
            {num(r.examples)} examples learned through {time(r.learnedThrough)}; published version {r.published?.version ?? '–'} ({num(r.unpublishedExamples)} examples since). Live over the
            rolling window: AUC {num(r.live?.auc, 4)}, log loss {num(r.live?.logLoss, 4)}, calibration error {num(r.live?.expectedCalibrationError, 4)}, observed/expected {num(r.live?.observedOverExpected, 3)}.
          </p>
          <Versions report={r} />
          <div class="columns">
            <Calibration model={r.model} />
            <Weights model={r.model} />
          </div>
        </section>
      ))}
    </div>
  );
}
