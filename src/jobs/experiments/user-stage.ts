/**
 * Stage 1 of the experiment job, keyed by user. An arriving event is only staged (../events/staged-folds.ts) for the
 * fold at the first multiple of the emit interval E after its ts; an event-time timer at that time folds the staged
 * events in ts order (an exposure before other events of the same ts):
 *   - an exposure to an experiment the user is not in yet starts the user's outcomes there (from its ts on);
 *     one to another arm of an experiment the user is in is reported as a conflict (the first arm is kept);
 *   - any other event adds to the outcomes of every experiment the user was exposed to at or before its ts, and to
 *     its outcomes within each conversion window (options.windowed) that the event falls in: ts < exposure ts + window.
 * Then, for each experiment whose observation changed, it emits the change (the observation sent last time and the
 * new one) keyed by experiment. Per user at most one change per experiment per emit interval reaches stage 2.
 * Events arriving after their user's last fold are folded at the next one; an exposure folded late counts the
 * events folded with or after it (those already folded before it are not revisited).
 * State per user: the staging state, and `exposures` (one value: per experiment the checked exposure, its ts and
 * cohort, the outcomes, the outcomes within each window and the observation last sent).
 */
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { stageForFold, takeDueForFold } from '../events/staged-folds.js';
import { checkExposure, observationOf, type CheckedExposure, type ExperimentChange, type Observation } from './contribution.js';
import type { ResolvedExperimentOptions } from './experiment-options.js';
import { addToOutcomes, noOutcomes, purchaseAmount, type Outcomes } from './user-outcomes.js';

const EXPOSURES = 'exposures';
const FOLD = 'fold';
const TYPE_CODES: readonly BehaviourEvent['type'][] = ['exposure', 'view', 'click', 'cart', 'purchase'];

/** [fold time, ts, type code, purchase amount, the checked exposure or null]. */
type StagedEvent = [number, number, number, number, CheckedExposure | null];

interface UserExposure {
  exposure: CheckedExposure;
  ts: number;
  cohort: number;
  outcomes: Outcomes;
  /** Outcomes within each conversion window, by window length (ms). */
  windows: Record<number, Outcomes>;
  sent: Observation | null;
}

type UserExposures = Record<string, UserExposure>;

export function userContributions(options: ResolvedExperimentOptions): KeyedProcessor<BehaviourEvent, ExperimentChange> {
  const E = options.emitInterval;
  const windows = [...new Set(options.windowed.map((w) => w.window))];
  const noWindowedOutcomes = (): Record<number, Outcomes> => Object.fromEntries(windows.map((w) => [w, noOutcomes()]));

  function stage(e: BehaviourEvent, ctx: ProcessContext<ExperimentChange>): void {
    const exposure = e.type === 'exposure' ? checkExposure(e.experiment!, e.covariates, options) : null;
    stageForFold<StagedEvent>(ctx, e.ts, E, (due) => [due, e.ts, TYPE_CODES.indexOf(e.type), purchaseAmount(e), exposure], FOLD);
  }

  /** The staged events due by `asOf`, in ts order (an exposure first among events of the same ts, then arrival). */
  function takeDue(asOf: number, ctx: ProcessContext<ExperimentChange>): StagedEvent[] {
    const isExposure = (s: StagedEvent): number => (s[2] === 0 ? 0 : 1);
    return takeDueForFold<StagedEvent>(ctx, asOf).sort((a, b) => a[1] - b[1] || isExposure(a) - isExposure(b));
  }

  function fold(timer: FiredTimer, ctx: ProcessContext<ExperimentChange>): void {
    const events = takeDue(timer.time, ctx);
    if (events.length === 0) return;
    const exposuresState = ctx.state<UserExposures>(EXPOSURES);
    const exposures = exposuresState.get() ?? {};
    const touched = new Set<string>();
    for (const [, ts, code, amount, exposure] of events) {
      if (exposure) {
        const known = exposures[exposure.experiment];
        if (!known) {
          exposures[exposure.experiment] = {
            exposure,
            ts,
            cohort: Math.floor(ts / options.cohort) * options.cohort,
            outcomes: noOutcomes(),
            windows: noWindowedOutcomes(),
            sent: null,
          };
          touched.add(exposure.experiment);
        } else if (known.exposure.arm !== exposure.arm) {
          ctx.emit({ kind: 'conflict', experiment: exposure.experiment, userId: ctx.key, arm: exposure.arm, keptArm: known.exposure.arm }, timer.time);
        }
        continue;
      }
      for (const [id, x] of Object.entries(exposures)) {
        if (x.ts > ts) continue;
        addToOutcomes(x.outcomes, TYPE_CODES[code]!, amount);
        for (const w of windows) if (ts < x.ts + w) addToOutcomes(x.windows[w]!, TYPE_CODES[code]!, amount);
        touched.add(id);
      }
    }
    if (touched.size === 0) return;
    for (const id of touched) {
      const x = exposures[id]!;
      const current = observationOf(x.outcomes, x.windows, x.exposure, options);
      ctx.emit(
        {
          kind: 'contribution',
          experiment: id,
          userId: ctx.key,
          arm: x.exposure.arm,
          randomized: x.exposure.randomized,
          cohort: x.cohort,
          previous: x.sent,
          current,
        },
        timer.time,
      );
      x.sent = current;
    }
    exposuresState.set(exposures);
  }

  return { onRecord: stage, onTimer: fold };
}
