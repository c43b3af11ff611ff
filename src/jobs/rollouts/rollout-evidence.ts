/**
 * The evidence of a rollout in the latest report of the experiments step (read from its committed state): the
 * randomized units of the control and treatment arms and, per guardrail metric, the treatment arm's Welch difference
 * against control and its standard error. A report whose control is not the rollout's, or that lacks a guardrail
 * metric, cannot judge the rollout: that is returned as a problem, which the rollout's state shows.
 */
import type { ExperimentReport } from '../experiments/experiment-report.js';
import type { ReportEvidence } from './rollout-decision.js';
import type { RolloutSpec } from './rollout-options.js';

export function reportEvidence(report: ExperimentReport, spec: RolloutSpec): ReportEvidence | { problem: string } {
  const differences: ReportEvidence['differences'] = {};
  for (const g of spec.guardrails) {
    const m = report.metrics.find((x) => x.metric === g.metric);
    if (!m)
      return {
        problem: `the experiment report has no metric '${g.metric}' (it has ${report.metrics.map((x) => x.metric).join(', ')}): name a metric as the experiments step reports it (a conversion window included: converted@7d)`,
      };
    if (m.controlArm !== spec.control)
      return {
        problem: `the experiment report's control arm is '${m.controlArm}', not '${spec.control}': declare control '${spec.control}' for experiment '${spec.id}' in the experiments step, or set the rollout's control`,
      };
    const d = m.comparisons.find((c) => c.arm === spec.treatment)?.difference;
    differences[g.metric] = d ? { estimate: d.estimate, standardError: d.standardError } : null;
  }
  const units = report.units.randomized;
  return { asOf: report.asOf, units: { control: units[spec.control] ?? 0, treatment: units[spec.treatment] ?? 0 }, differences };
}
