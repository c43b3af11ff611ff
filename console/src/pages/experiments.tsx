/**
 * The experiments: a list (GET /experiments), and per experiment (GET /experiments/:id and its history) per metric
 * each arm's figures, the difference against control with its fixed-horizon and always-valid intervals over time
 * (a plot), relative lift, the sample-ratio check, the observational arm's covariate balance, fusion and warnings.
 */
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import type { HistoryPoint } from '../../../src/jobs/experiments/experiment-history.js';
import type { MetricReport } from '../../../src/jobs/experiments/stats/report.js';
import type { Estimate } from '../../../src/jobs/experiments/stats/estimate.js';
import { usePoll } from '../api.js';
import { Chart } from '../parts/chart.js';
import { num, time } from '../parts/format.js';
import { Problem } from '../parts/problem.js';

const POLL_MS = 5_000;

interface ListedExperiment {
  experiment: string;
  declared: boolean;
  reported: boolean;
  asOf?: number;
  units?: { randomized: Record<string, number> };
  sampleRatioMismatch?: boolean;
  warnings?: string[];
}

export function ExperimentList() {
  const { data, error } = usePoll<{ experiments: ListedExperiment[]; truncated: boolean }>('experiments', POLL_MS);
  if (!data) return <Problem error={error} waiting="Reading the experiments…" absent="This job has no experiment step." />;
  if (data.experiments.length === 0) return <p class="note">This job reports no experiments.</p>;
  return (
    <section>
      <h2>Experiments</h2>
      <table data-testid="experiments">
        <thead>
          <tr><th>experiment</th><th>as of</th><th>units per arm</th><th>sample ratio</th><th>warnings</th></tr>
        </thead>
        <tbody>
          {data.experiments.map((e) => (
            <tr key={e.experiment}>
              <td><a href={`#/experiments/${encodeURIComponent(e.experiment)}`}>{e.experiment}</a>{e.declared ? '' : ' (found in the stream)'}</td>
              <td>{e.reported ? time(e.asOf) : 'no report yet'}</td>
              <td>{e.units ? Object.entries(e.units.randomized).map(([arm, n]) => `${arm} ${num(n)}`).join(', ') : '–'}</td>
              <td>{e.reported ? (e.sampleRatioMismatch ? <span class="bad">mismatch</span> : 'ok') : '–'}</td>
              <td>{e.warnings?.join(', ') || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.truncated && <p class="note">More experiments were found in the stream than are listed.</p>}
    </section>
  );
}

const interval = (e: Estimate | null | undefined, digits = 4) => (e ? `${num(e.estimate, digits)} [${num(e.lower, digits)}, ${num(e.upper, digits)}]` : '–');

function IntervalPlot({ metric, arm, points }: { metric: string; arm: string; points: HistoryPoint[] }) {
  const at = points.map((p) => p.asOf / 1000);
  const field = (f: 'estimate' | 'lower' | 'upper' | 'alwaysValidLower' | 'alwaysValidUpper') => points.map((p) => p.metrics[metric]?.[arm]?.[f] ?? null);
  return (
    <Chart
      title={`${metric}: ${arm} − control, by event time`}
      testId={`intervals-${metric}-${arm}`}
      points={points.length < 30}
      data={[at, field('estimate'), field('upper'), field('lower'), field('alwaysValidUpper'), field('alwaysValidLower')]}
      series={[
        { label: 'difference', color: '#111827' },
        { label: 'fixed-horizon upper', color: '#2563eb', bandTo: 2 },
        { label: 'fixed-horizon lower', color: '#2563eb' },
        { label: 'always-valid upper', color: '#dc2626', dash: [4, 3], bandTo: 4 },
        { label: 'always-valid lower', color: '#dc2626', dash: [4, 3] },
      ]}
    />
  );
}

function MetricSection({ m, points }: { m: MetricReport; points: HistoryPoint[] }) {
  return (
    <section class="metric" data-testid={`metric-${m.metric}`}>
      <h3>{m.metric}</h3>
      <table>
        <thead>
          <tr><th>arm</th><th>units</th><th>mean</th><th>sd</th><th>share</th></tr>
        </thead>
        <tbody>
          {m.arms.map((a) => (
            <tr key={a.arm}>
              <td>{a.arm}{a.arm === m.controlArm ? ' (control)' : ''}</td><td class="n">{num(a.count)}</td><td class="n">{num(a.mean, 4)}</td><td class="n">{num(a.standardDeviation, 4)}</td><td class="n">{num((m.observedSplit[a.arm] ?? 0) * 100, 1)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <thead>
          <tr><th>arm vs control</th><th>difference [{num((1 - m.alpha) * 100)} % fixed-horizon]</th><th>always-valid interval</th><th>relative lift</th><th>p (adjusted, {m.correction})</th><th>always-valid p</th></tr>
        </thead>
        <tbody>
          {m.comparisons.map((c) => (
            <tr key={c.arm}>
              <td>{c.arm}</td><td>{interval(c.difference)}</td>
              <td>{c.alwaysValid ? `[${num(c.alwaysValid.lower, 4)}, ${num(c.alwaysValid.upper, 4)}]` : 'not yet (too few units)'}</td>
              <td>{c.relativeLift ? `${num(c.relativeLift.estimate * 100, 2)} % [${num(c.relativeLift.lower * 100, 2)}, ${num(c.relativeLift.upper * 100, 2)}]` : '–'}</td>
              <td class="n">{num(c.adjustedPValue, 4)}</td><td class="n">{num(c.adjustedAlwaysValidPValue ?? c.alwaysValid?.pValue, 4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Sample ratio:{' '}
        {m.sampleRatio ? (
          <span class={m.sampleRatio.mismatch ? 'bad' : ''} data-testid="srm">
            {m.sampleRatio.mismatch ? 'mismatch' : 'as declared'} (χ² {num(m.sampleRatio.chiSquare, 2)}, p {num(m.sampleRatio.pValue, 4)})
          </span>
        ) : (
          'no split declared'
        )}
      </p>
      {m.comparisons.map((c) => (
        <IntervalPlot key={c.arm} metric={m.metric} arm={c.arm} points={points} />
      ))}
      {m.observational && (
        <div>
          <h4>Observational arm {m.observational.arm} (weighted, {m.observational.estimand})</h4>
          <p>effect {interval(m.observational.effect)}; unweighted {interval(m.observational.naive)}</p>
          <table>
            <thead>
              <tr><th>covariate</th><th>standardized difference before</th><th>after weighting</th></tr>
            </thead>
            <tbody>
              {m.observational.balance.map((b) => (
                <tr key={b.covariate}><td>{b.covariate}</td><td class="n">{num(b.before, 3)}</td><td class="n">{num(b.after, 3)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {m.fusion && (
        <p data-testid="fusion">
          Fusion: inverse-variance {interval(m.fusion.inverseVariance)} (randomized weight {num(m.fusion.inverseVariance.randomizedWeight, 2)}); disagreement {num(m.fusion.disagreement.difference, 4)} (p {num(m.fusion.disagreement.pValue, 4)})
        </p>
      )}
      {m.warnings.length > 0 && (
        <ul class="warnings">
          {m.warnings.map((w, i) => (
            <li key={i}>
              <code>{w.code}</code> {w.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ExperimentPage({ id }: { id: string }) {
  const path = `experiments/${encodeURIComponent(id)}`;
  const report = usePoll<ExperimentReport>(path, POLL_MS);
  const history = usePoll<{ points: HistoryPoint[] }>(`${path}/history`, POLL_MS);
  if (!report.data) return <Problem error={report.error} waiting={`Reading experiment ${id}…`} />;
  const r = report.data;
  return (
    <div>
      <p><a href="#/experiments">experiments</a> / <strong>{r.experiment}</strong></p>
      <p>
        As of {time(r.asOf)}; control {r.control}; split {r.declaredSplit ? Object.entries(r.declaredSplit).map(([a, s]) => `${a} ${s}`).join(', ') : 'not declared'}; {num(r.conflictingExposures)} conflicting exposures.
      </p>
      {r.metrics.map((m) => (
        <MetricSection key={m.metric} m={m} points={history.data?.points ?? []} />
      ))}
    </div>
  );
}
