/**
 * The rollouts (GET /rollouts, GET /rollouts/:id): a list with each rollout's status, treated share and latest
 * step, and per rollout its state, the latest evidence per guardrail (estimate and always-valid interval), the
 * treated share and each guardrail's interval over the steps taken (plots), every step with its reason and
 * evidence, the settings, and the operator's commands (rollout-commands.tsx).
 */
import type { RolloutEvidence, RolloutState, RolloutStep } from '../../../src/jobs/rollouts/rollout-decision.js';
import type { RolloutSpec } from '../../../src/jobs/rollouts/rollout-options.js';
import { usePoll } from '../api.js';
import { Chart } from '../parts/chart.js';
import { num, time } from '../parts/format.js';
import { Problem } from '../parts/problem.js';
import { RolloutCommands } from '../parts/rollout-commands.js';

const POLL_MS = 2_000;

interface ListedRollout {
  rollout: string;
  status: RolloutState['status'];
  share: number;
  stage: number;
  schedule: number[];
  steps: number;
  lastStep: RolloutStep | null;
}

type RolloutDetail = Omit<RolloutState, 'looks'> & { settings: RolloutSpec };

const stepSummary = (s: RolloutStep) => `${s.seq}. ${s.action} by ${s.trigger === 'operator' ? 'an operator' : 'the guardrails'}, ${s.fromShare}% → ${s.toShare}% at ${time(s.at)}`;

export function RolloutList() {
  const { data, error } = usePoll<{ rollouts: ListedRollout[] }>('rollouts', POLL_MS);
  if (!data) return <Problem error={error} waiting="Reading the rollouts…" absent="This job has no rollout step." />;
  return (
    <section>
      <h2>Rollouts</h2>
      <table data-testid="rollouts">
        <thead>
          <tr><th>rollout</th><th>status</th><th>treated share</th><th>stage</th><th>steps</th><th>last step</th></tr>
        </thead>
        <tbody>
          {data.rollouts.map((r) => (
            <tr key={r.rollout} data-rollout={r.rollout}>
              <td><a href={`#/rollouts/${encodeURIComponent(r.rollout)}`}>{r.rollout}</a></td>
              <td data-field="status" class={`status ${r.status}`}>{r.status}</td>
              <td class="n" data-field="share">{num(r.share)}%</td>
              <td>{`${r.stage + 1} of ${r.schedule.length} (${r.schedule.join(' → ')}%)`}</td>
              <td class="n">{num(r.steps)}</td>
              <td class="reason">{r.lastStep ? `${stepSummary(r.lastStep)}: ${r.lastStep.reason}` : 'none yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const interval = (lower: number | null, upper: number | null) => (lower === null || upper === null ? '–' : `[${num(lower, 4)}, ${num(upper, 4)}]`);

function Evidence({ evidence, settings }: { evidence: RolloutEvidence; settings: RolloutSpec }) {
  return (
    <div data-testid="evidence">
      <p>
        As of {time(evidence.asOf)}: {settings.control} {num(evidence.units.control)} units, {settings.treatment} {num(evidence.units.treatment)}; gained in this stage{' '}
        {num(evidence.gainedThisStage.control)} and {num(evidence.gainedThisStage.treatment)} (a stage needs {num(settings.minSamplePerArm)} per arm to advance).
      </p>
      <table>
        <thead>
          <tr><th>guardrail</th><th>good when it</th><th>margin</th><th>alpha</th><th>difference (± s.e.)</th><th>always-valid interval</th><th>verdict</th></tr>
        </thead>
        <tbody>
          {evidence.guardrails.map((g) => (
            <tr key={g.metric}>
              <td>{g.metric}</td><td>{g.direction}s</td><td class="n">{num(g.margin, 4)}</td><td class="n">{num(g.alpha, 4)}</td>
              <td class="n">{g.estimate === null ? '–' : `${num(g.estimate, 4)} ± ${num(g.standardError, 4)}`}</td>
              <td class="n">{interval(g.lower, g.upper)}</td>
              <td class={g.harm ? 'bad' : ''}>{g.harm ? 'harm' : g.safe ? 'no harm beyond the margin' : 'not yet conclusive'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The treated share over event time, a step function through every step (from the first step's time on). */
function ShareChart({ steps }: { steps: RolloutStep[] }) {
  if (steps.length === 0) return null;
  // Operators' steps carry the wall clock, guardrails' the report's event time: drawn in time order.
  const points = [...steps].sort((a, b) => a.at - b.at).flatMap((s) => [[s.at / 1000, s.fromShare] as const, [s.at / 1000, s.toShare] as const]);
  const at = points.map(([x]) => x);
  const share = points.map(([, y]) => y);
  return <Chart title="treated share (%) at each step" testId="share-chart" points data={[at, share]} series={[{ label: 'share %', color: '#2563eb' }]} />;
}

/** Per guardrail, its difference and always-valid interval at each step taken on evidence, and the latest. */
function GuardrailCharts({ detail }: { detail: RolloutDetail }) {
  const seen = detail.steps.flatMap((s) => (s.evidence ? [s.evidence] : []));
  if (detail.evidence && seen.at(-1)?.asOf !== detail.evidence.asOf) seen.push(detail.evidence);
  const looks = [...new Map(seen.map((e) => [e.asOf, e])).values()].sort((a, b) => a.asOf - b.asOf);
  if (looks.length === 0) return null;
  const at = looks.map((e) => e.asOf / 1000);
  return (
    <div class="columns">
      {detail.settings.guardrails.map((g) => {
        const field = (f: 'estimate' | 'lower' | 'upper') => looks.map((e) => e.guardrails.find((l) => l.metric === g.metric)?.[f] ?? null);
        const harmLine = at.map(() => (g.direction === 'increase' ? -g.margin : g.margin));
        return (
          <Chart
            key={g.metric}
            title={`${g.metric}: ${detail.settings.treatment} − ${detail.settings.control}, always-valid interval`}
            testId={`guardrail-${g.metric}`}
            points
            data={[at, field('estimate'), field('upper'), field('lower'), harmLine]}
            series={[
              { label: 'difference', color: '#111827' },
              { label: 'always-valid upper', color: '#dc2626', dash: [4, 3], bandTo: 2 },
              { label: 'always-valid lower', color: '#dc2626', dash: [4, 3] },
              { label: `margin (${g.direction === 'increase' ? '−' : '+'}${g.margin})`, color: '#9ca3af', dash: [2, 2] },
            ]}
          />
        );
      })}
    </div>
  );
}

function StepHistory({ steps }: { steps: RolloutStep[] }) {
  if (steps.length === 0) return <p class="note">No step taken yet.</p>;
  return (
    <table data-testid="rollout-steps">
      <thead>
        <tr><th>#</th><th>at (event time)</th><th>action</th><th>by</th><th>share</th><th>status after</th><th>reason</th><th>evidence</th></tr>
      </thead>
      <tbody>
        {[...steps].reverse().map((s) => (
          <tr key={s.seq} data-seq={s.seq}>
            <td class="n">{s.seq}</td><td>{time(s.at)}</td><td data-field="action">{s.action}</td>
            <td>{s.trigger === 'operator' ? `operator (command ${s.command ?? '?'})` : 'guardrails'}</td>
            <td>{`${s.fromShare}% → ${s.toShare}%`}</td><td data-field="status">{s.status}</td><td class="reason" data-field="reason">{s.reason}</td>
            <td>
              {s.evidence
                ? `units ${num(s.evidence.units.control)} / ${num(s.evidence.units.treatment)}; ${s.evidence.guardrails.map((g) => `${g.metric} ${num(g.estimate, 4)} ${interval(g.lower, g.upper)}`).join('; ')}`
                : '–'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RolloutPage({ id }: { id: string }) {
  const { data: r, error } = usePoll<RolloutDetail>(`rollouts/${encodeURIComponent(id)}`, POLL_MS);
  if (!r) return <Problem error={error} waiting={`Reading rollout ${id}…`} />;
  const s = r.settings;
  return (
    <div>
      <p><a href="#/rollouts">rollouts</a> / <strong>{r.rollout}</strong></p>
      <section class="banner" data-testid="rollout-state">
        <span class={`status ${r.status}`} data-field="status">{r.status}</span>, treated share <strong data-field="share">{num(r.share)}%</strong>, stage {r.stage + 1} of{' '}
        {s.schedule.length} ({s.schedule.join(' → ')}%); {s.treatment} against {s.control}, alpha {num(s.alpha, 3)} shared by {s.guardrails.length} guardrail(s).
        {r.problem && <p class="bad">The latest report could not judge it: {r.problem}</p>}
        {error && <span class="stale"> (last update failed: {error.message})</span>}
      </section>
      <RolloutCommands rollout={r.rollout} />
      <section>
        <h2>Latest evidence</h2>
        {r.evidence ? <Evidence evidence={r.evidence} settings={s} /> : <p class="note">No report looked at yet.</p>}
      </section>
      <section>
        <h2>Over time</h2>
        <ShareChart steps={r.steps} />
        <GuardrailCharts detail={r} />
      </section>
      <section>
        <h2>Steps</h2>
        <StepHistory steps={r.steps} />
      </section>
    </div>
  );
}
