/**
 * Stage 2's sufficient statistics of one experiment, and how a contribution change updates them without ever
 * scanning the experiment's users: the randomized arms' moments (and the same per exposure cohort) retract the
 * user's previous observation and add the new one; observational units go to the weighted arms of the observational
 * comparison, weighted by the online propensity model. A new observational user is first learned from (one
 * recursive Newton step), then weighted by the model's current propensity; whenever a user's contribution changes,
 * the old weight is retracted and the user re-weighted by the current model, so active units follow the model as
 * it converges. The propensity each user was last added with is kept per user (a keyed lookup, never scanned).
 * Arms are created as their variants first arrive (experiment-arms.ts: the defaults for what the options leave open);
 * weighting an observational unit fixes the default control, since the observational arms are split by it.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { ContributionChange } from './contribution.js';
import { discoverVariant, fixControl, noDiscoveredArms, type DiscoveredArms } from './experiment-arms.js';
import type { ExperimentSpec, ResolvedExperimentOptions } from './experiment-options.js';
import { addObservation, createMoments, removeObservation, type Moments } from './stats/moments.js';
import { addObservationalUnit, createObservationalArm, removeObservationalUnit, type ObservationalArm } from './stats/observational-arm.js';
import { createPropensityModel, learnPropensity, propensityOf, type PropensityModel } from './stats/propensity.js';

export type ArmMoments = Record<string, Moments>;

export interface ObservationalComparison {
  model: PropensityModel;
  control: ObservationalArm;
  treated: ObservationalArm;
}

export interface ExperimentAccumulators {
  arms: ArmMoments;
  observational: ObservationalComparison | null;
  /** Exposures to a second arm of an experiment a user was already in. */
  conflicts: number;
  discovered: DiscoveredArms;
  /** Observational units of a non-control arm other than the observational arm: not compared, counted. */
  otherObservationalUnits: number;
}

/** Reads and writes of the per-user propensities and per-cohort moments: map state entries in the job. */
export interface KeyedLookups {
  propensity(userId: string): number | undefined;
  setPropensity(userId: string, value: number): void;
  cohort(cohort: number): ArmMoments | undefined;
  setCohort(cohort: number, arms: ArmMoments): void;
}

/** Moments of the declared arms (none when the arms are discovered). */
function declaredArms(spec: ExperimentSpec): ArmMoments {
  return Object.fromEntries(Object.keys(spec.split ?? {}).map((arm) => [arm, createMoments(spec.variables)]));
}

export function emptyAccumulators(spec: ExperimentSpec): ExperimentAccumulators {
  return { arms: declaredArms(spec), observational: null, conflicts: 0, discovered: noDiscoveredArms(), otherObservationalUnits: 0 };
}

function replace(m: Moments, change: ContributionChange): void {
  if (change.previous) removeObservation(m, change.previous);
  addObservation(m, change.current);
}

function applyObservational(
  acc: ExperimentAccumulators,
  change: ContributionChange,
  spec: ExperimentSpec,
  options: ResolvedExperimentOptions,
  lookups: KeyedLookups,
): void {
  const comparison = (acc.observational ??= {
    model: createPropensityModel(spec.covariates, { standardization: options.standardization }),
    control: createObservationalArm(spec.variables),
    treated: createObservationalArm(spec.variables),
  });
  const treated = change.arm !== fixControl(spec, acc.discovered);
  if (treated && change.arm !== (spec.observationalArm ?? (acc.discovered.observationalArm ??= change.arm))) {
    if (!change.previous) acc.otherObservationalUnits += 1;
    return;
  }
  const arm = treated ? comparison.treated : comparison.control;
  const before = lookups.propensity(change.userId);
  if (change.previous) {
    if (before === undefined)
      throw new FlywheelError(
        ErrorCodes.STATE,
        `observational user '${change.userId}' of experiment '${spec.id}' has a previous contribution but no stored propensity`,
        { key: spec.id },
        'the state of the experiment step is inconsistent; restore it or replay the input',
      );
    removeObservationalUnit(arm, change.previous, before, treated, options.weighting);
  }
  if (before === undefined) learnPropensity(comparison.model, change.current, treated);
  const propensity = propensityOf(comparison.model, change.current);
  addObservationalUnit(arm, change.current, propensity, treated, options.weighting);
  lookups.setPropensity(change.userId, propensity);
}

/** Applies one contribution change (in place). */
export function applyContribution(
  acc: ExperimentAccumulators,
  change: ContributionChange,
  spec: ExperimentSpec,
  options: ResolvedExperimentOptions,
  lookups: KeyedLookups,
): void {
  discoverVariant(acc.discovered, change.arm);
  acc.arms[change.arm] ??= createMoments(spec.variables);
  if (!change.randomized) {
    applyObservational(acc, change, spec, options, lookups);
    return;
  }
  replace(acc.arms[change.arm]!, change);
  const cohort = lookups.cohort(change.cohort) ?? declaredArms(spec);
  replace((cohort[change.arm] ??= createMoments(spec.variables)), change);
  lookups.setCohort(change.cohort, cohort);
}
