/**
 * The plain single-threaded Node implementation of the experiment job's work, for the benchmark: one loop over the
 * generated events, per user a Map of exposures with outcomes since exposure, each event's change applied at once
 * to the experiment's arm and cohort moments (the same retract-and-add as the job's stage 2), and a report of every
 * changed experiment at each multiple of the emit interval of event time, whose JSON size is counted (what emitting
 * every report whole would send). No threads, no LMDB, no out-of-order
 * handling (events are folded in arrival order), no coalescing of a user's changes.
 */
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { parseEvent, type BehaviourEvent } from '../../src/jobs/events/parse-event.js';
import { checkExposure, observationOf, type CheckedExposure, type Observation } from '../../src/jobs/experiments/contribution.js';
import {
  applyContribution,
  emptyAccumulators,
  type ArmMoments,
  type ExperimentAccumulators,
  type KeyedLookups,
} from '../../src/jobs/experiments/experiment-accumulators.js';
import { resolveExperimentOptions } from '../../src/jobs/experiments/experiment-options.js';
import { experimentReport, type PreviousLooks } from '../../src/jobs/experiments/experiment-report.js';
import { addToOutcomes, noOutcomes, purchaseAmount, type Outcomes } from '../../src/jobs/experiments/user-outcomes.js';
import { experimentOptions, generatorOptions, type BenchWorld } from './world.js';

interface Exposed {
  exposure: CheckedExposure;
  ts: number;
  cohort: number;
  outcomes: Outcomes;
  windows: Record<number, Outcomes>;
  sent: Observation;
}

export interface BaselineResult {
  events: number;
  reports: number;
  /** Bytes of the reports as JSON. */
  reportBytes: number;
  units: Record<string, number>;
}

export function runBaseline(w: BenchWorld): BaselineResult {
  const options = resolveExperimentOptions(experimentOptions(w));
  const E = options.emitInterval;
  const windowLengths = [...new Set(options.windowed.map((w) => w.window))];
  const users = new Map<string, Map<string, Exposed>>();
  const experiments = new Map<string, { acc: ExperimentAccumulators; cohorts: Map<number, ArmMoments>; looks: PreviousLooks; changed: boolean }>();
  for (const [id, spec] of options.experiments) experiments.set(id, { acc: emptyAccumulators(spec), cohorts: new Map(), looks: {}, changed: false });
  const propensities = new Map<string, number>();
  let [events, reports, reportBytes, nextReport] = [0, 0, 0, -Infinity];

  const report = (asOf: number) => {
    for (const [id, x] of experiments) {
      if (!x.changed) continue;
      const made = experimentReport(
        options.experiments.get(id)!,
        x.acc,
        [...x.cohorts].sort((a, b) => a[0] - b[0]),
        x.looks,
        asOf,
        options,
      );
      x.looks = made.looks;
      reportBytes += Buffer.byteLength(JSON.stringify(made.report));
      x.changed = false;
      reports++;
    }
  };

  const apply = (userId: string, id: string, x: Exposed, previous: Observation | null) => {
    const target = experiments.get(id)!;
    const lookups: KeyedLookups = {
      propensity: (u) => propensities.get(`${id}/${u}`),
      setPropensity: (u, p) => propensities.set(`${id}/${u}`, p),
      cohort: (c) => target.cohorts.get(c),
      setCohort: (c, arms) => target.cohorts.set(c, arms),
    };
    applyContribution(
      target.acc,
      { kind: 'contribution', experiment: id, userId, arm: x.exposure.arm, randomized: x.exposure.randomized, cohort: x.cohort, previous, current: x.sent },
      options.experiments.get(id)!,
      options,
      lookups,
    );
    target.changed = true;
  };

  for (const raw of ecommerceEvents(generatorOptions(w))) {
    let e: BehaviourEvent;
    try {
      e = parseEvent(raw);
    } catch {
      continue;
    }
    events++;
    if (e.ts >= nextReport) {
      if (nextReport > -Infinity) report(nextReport);
      nextReport = (Math.floor(e.ts / E) + 1) * E;
    }
    const exposures = users.get(e.userId) ?? users.set(e.userId, new Map()).get(e.userId)!;
    if (e.type === 'exposure') {
      const exposure = checkExposure(e.experiment!, e.covariates, options);
      if (exposures.has(exposure.experiment)) continue;
      const windows = Object.fromEntries(windowLengths.map((w) => [w, noOutcomes()]));
      const x: Exposed = {
        exposure,
        ts: e.ts,
        cohort: Math.floor(e.ts / options.cohort) * options.cohort,
        outcomes: noOutcomes(),
        windows,
        sent: observationOf(noOutcomes(), windows, exposure, options),
      };
      exposures.set(exposure.experiment, x);
      apply(e.userId, exposure.experiment, x, null);
      continue;
    }
    const amount = purchaseAmount(e);
    for (const [id, x] of exposures) {
      if (x.ts > e.ts) continue;
      addToOutcomes(x.outcomes, e.type, amount);
      for (const w of windowLengths) if (e.ts < x.ts + w) addToOutcomes(x.windows[w]!, e.type, amount);
      const previous = x.sent;
      x.sent = observationOf(x.outcomes, x.windows, x.exposure, options);
      apply(e.userId, id, x, previous);
    }
  }
  report(nextReport);
  const units: Record<string, number> = {};
  for (const [id, x] of experiments) units[id] = Object.values(x.acc.arms).reduce((t, m) => t + m.count, 0);
  return { events, reports, reportBytes, units };
}
