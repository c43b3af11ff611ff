/**
 * The job page: readiness and its reasons, the plan as a graph with each step's rates, records in per second over
 * the time the page has been open, per-step counts, watermarks and how far they trail, queues, executors and the
 * latest dead letters (paged).
 */
import { useMemo } from 'preact/hooks';
import type { JobStatus } from '../../../src/query/console/job-status.js';
import { usePoll } from '../api.js';
import { Chart, type ChartSeries } from '../parts/chart.js';
import { duration, num, rate, time } from '../parts/format.js';
import { PlanGraph } from '../parts/plan-graph.js';
import { DeadLetters } from './dead-letters.js';
import { Problem } from '../parts/problem.js';

const POLL_MS = 2_000;
const KEPT_POINTS = 300;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#7c2d12', '#334155'];

/** Records in per second of each step, one point per status seen since the console opened (kept across its pages). */
const history: { at: number[]; bySteps: Map<string, Array<number | null>> } = { at: [], bySteps: new Map() };

function useRateHistory(status: JobStatus | null): { data: Array<Array<number | null>>; series: ChartSeries[] } {
  return useMemo(() => {
    const h = history;
    if (status && status.rateWindowSeconds !== null && h.at[h.at.length - 1] !== status.at) {
      h.at.push(status.at / 1000);
      for (const s of status.steps) {
        if (!h.bySteps.has(s.id)) h.bySteps.set(s.id, new Array<number | null>(h.at.length - 1).fill(null));
        h.bySteps.get(s.id)!.push(s.inPerSecond);
      }
      if (h.at.length > KEPT_POINTS) {
        h.at.shift();
        for (const values of h.bySteps.values()) values.shift();
      }
    }
    const ids = [...h.bySteps.keys()];
    return { data: [[...h.at], ...ids.map((id) => [...h.bySteps.get(id)!])], series: ids.map((id, i) => ({ label: id, color: COLORS[i % COLORS.length]! })) };
  }, [status?.at]);
}

export function JobPage() {
  const { data: status, error } = usePoll<JobStatus>('console/status', POLL_MS);
  const rates = useRateHistory(status);
  if (!status) return <Problem error={error} waiting="Reading the job's status…" />;
  return (
    <div>
      <section class={status.ready ? 'banner ok' : 'banner warn'} data-testid="readiness">
        <strong>{status.job}</strong> {status.live ? '' : '(failed) '}
        {status.ready ? 'ready' : 'not ready:'}
        {status.reasons.length > 0 && (
          <ul>
            {status.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
        {error && <span class="stale"> (last update failed: {error.message})</span>}
      </section>
      <section>
        <h2>Plan</h2>
        <div class="scroll">
          <PlanGraph steps={status.steps} />
        </div>
      </section>
      <section>
        <h2>Records in per second</h2>
        <Chart title="" data={rates.data} series={rates.series} testId="rates-chart" />
      </section>
      <section>
        <h2>Steps</h2>
        <table data-testid="steps">
          <thead>
            <tr>
              <th>step</th><th>kind</th><th>stage</th><th>in</th><th>in/s</th><th>out</th><th>out/s</th><th>errors</th><th>late</th><th>late/s</th><th>dead letters</th><th>dead letters/s</th>
            </tr>
          </thead>
          <tbody>
            {status.steps.map((s) => (
              <tr key={s.id} data-step={s.id}>
                <td>{s.id}</td><td>{s.kind}</td><td>{s.stage ?? '–'}</td>
                <td class="n">{num(s.in)}</td><td class="n" data-field="inPerSecond">{rate(s.inPerSecond)}</td>
                <td class="n">{num(s.out)}</td><td class="n">{rate(s.outPerSecond)}</td>
                <td class="n">{num(s.errors)}</td><td class="n">{num(s.late)}</td><td class="n">{rate(s.latePerSecond)}</td>
                <td class="n">{num(s.deadLettered)}</td><td class="n">{rate(s.deadLetteredPerSecond)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="note">Rates over the last {num(status.rateWindowSeconds, 1)} s.</p>
      </section>
      <section class="columns">
        <div>
          <h2>Watermarks</h2>
          <table>
            <thead>
              <tr><th>stage</th><th>keyed by</th><th>watermark</th><th>trails the clock by</th><th>batch p50 / p90 / p99</th></tr>
            </thead>
            <tbody>
              {status.stages.map((s) => (
                <tr key={s.stage}>
                  <td>{s.stage}</td><td>{s.entry ?? '(sources)'}</td><td>{time(s.watermark)}</td><td class="n">{duration(s.watermarkLagMs)}</td>
                  <td class="n">{s.batchSeconds ? [s.batchSeconds.p50, s.batchSeconds.p90, s.batchSeconds.p99].map((q) => duration(q === null ? null : q * 1000)).join(' / ') : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Queues and executors</h2>
          <table>
            <tbody>
              <tr><td>records queued in the job</td><td class="n">{num(status.queues.queued)}</td></tr>
              <tr><td>outputs awaiting acknowledgement</td><td class="n">{num(status.queues.outboxPending)}</td></tr>
              {status.queues.consumerLag.map((l) => (
                <tr key={`${l.source}/${l.partition}`}><td>lag {l.source} partition {l.partition}</td><td class="n">{num(l.records)}</td></tr>
              ))}
              {Object.entries(status.queues.sinkWriteFailures).map(([sink, n]) => (
                <tr key={sink}><td>failed writes to {sink}</td><td class="n">{num(n)}</td></tr>
              ))}
              <tr><td>slots (executors' shares of the key groups)</td><td class="n">{num(status.executors.slots)}</td></tr>
              <tr><td>key groups</td><td class="n">{num(status.executors.keyGroups)}</td></tr>
              <tr><td>query endpoint CPU</td><td class="n">{status.endpointCpuShare === null ? '–' : `${num(status.endpointCpuShare * 100, 2)} % of a core`}</td></tr>
            </tbody>
          </table>
        </div>
      </section>
      <DeadLetters />
    </div>
  );
}
