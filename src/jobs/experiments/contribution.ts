/**
 * What stage 1 (keyed by user) tells stage 2 (keyed by experiment): a user's contribution to an experiment changed
 * from `previous` (null for a newly exposed user) to `current`, both observations over the resolved variables
 * (outcomes, covariates, usage). Stage 2 retracts the one and adds the other. A `conflict` reports an exposure of
 * a user to another arm of an experiment the user is already in: the first arm is kept, the conflict is counted.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { ExperimentExposure } from '../events/parse-event.js';
import { DEFAULT_CONTROL, USAGE, type ResolvedExperimentOptions } from './experiment-options.js';
import type { Outcomes } from './user-outcomes.js';

export type Observation = Record<string, number>;

export interface ContributionChange {
  kind: 'contribution';
  experiment: string;
  userId: string;
  arm: string;
  randomized: boolean;
  /** Start of the user's exposure cohort (ms). */
  cohort: number;
  previous: Observation | null;
  current: Observation;
}

export interface ExposureConflict {
  kind: 'conflict';
  experiment: string;
  userId: string;
  arm: string;
  keptArm: string;
}

export type ExperimentChange = ContributionChange | ExposureConflict;

/** An exposure as stage 1 keeps it: checked against the options, covariates as numbers. */
export interface CheckedExposure {
  experiment: string;
  arm: string;
  randomized: boolean;
  /**
   * 1 when the user experiences a non-control arm (assigned it and, if `used` is given, used it). Stage 1 knows the
   * control by its declaration or its default name; a report also counts the usage of a control chosen as the first
   * variant seen as 0 (stats/report.ts).
   */
  usage: 0 | 1;
  covariates: Observation;
}

function bad(reason: string, hint: string): never {
  throw new FlywheelError(ErrorCodes.BAD_RECORD, reason, {}, hint);
}

/**
 * Checks an exposure against what the options declare of its experiment, and the covariates (BAD_RECORD naming what
 * is wrong). An experiment the options do not list takes any variant.
 */
export function checkExposure(
  x: ExperimentExposure,
  covariates: Readonly<Record<string, unknown>> | undefined,
  options: ResolvedExperimentOptions,
): CheckedExposure {
  const spec = options.specOf(x.id);
  if (spec.split) {
    const arms = Object.keys(spec.split);
    if (!arms.includes(x.variant))
      bad(
        `exposure to arm '${x.variant}' of experiment '${x.id}', which has no such arm`,
        `the declared split's arms are ${arms.join(', ')}; add the arm to the split, or remove the split to take every variant`,
      );
    if (!x.randomized && x.variant !== spec.control && x.variant !== spec.observationalArm) {
      bad(
        `observational exposure to arm '${x.variant}' of experiment '${x.id}'`,
        `observational units compare '${spec.observationalArm}' with '${spec.control}' only`,
      );
    }
  }
  const values: Observation = {};
  for (const name of spec.covariates) {
    const v = covariates?.[name];
    if (typeof v === 'boolean') values[name] = v ? 1 : 0;
    else if (typeof v === 'number' && Number.isFinite(v)) values[name] = v;
    else
      bad(
        `exposure to experiment '${x.id}' lacks covariate '${name}' (got ${JSON.stringify(v)})`,
        `exposures to '${x.id}' carry its covariates ${spec.covariates.join(', ')} as numbers or booleans (with.experiments[].covariates lists those an experiment uses; without a list, every configured one)`,
      );
  }
  const usage = x.variant !== (spec.control ?? DEFAULT_CONTROL) && x.used !== false ? 1 : 0;
  return { experiment: x.id, arm: x.variant, randomized: x.randomized, usage, covariates: values };
}

/**
 * A user's observation: outcomes since exposure, the windowed outcomes (`windows`: outcomes within each conversion
 * window, by window length), the exposure's covariates and the usage flag.
 */
export function observationOf(
  outcomes: Outcomes,
  windows: Readonly<Record<number, Outcomes>>,
  exposure: CheckedExposure,
  options: ResolvedExperimentOptions,
): Observation {
  const windowed = Object.fromEntries(options.windowed.map((w) => [w.name, windows[w.window]![w.outcome]]));
  return { ...outcomes, ...windowed, ...exposure.covariates, [USAGE]: exposure.usage };
}
