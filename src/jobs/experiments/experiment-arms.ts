/**
 * The arms of one experiment as a report sees them: what the options declare (experiment-options.ts), and for what
 * they leave open, the defaults taken from the exposures stage 2 has applied. The arms are the declared split's, else
 * the variants in the order stage 2 first applied them (a fixed (time, user) order, so every run agrees). The control
 * is the declared one, else the variant named `control`, else the first variant seen. While no always-valid look
 * has been taken and no observational unit weighted, the default control is provisional (a variant named `control`
 * arriving later takes over); from then on it is fixed in the accumulators, because the running always-valid
 * p-values and intervals, and the observational arms, are kept against that control. The observational arm is the
 * declared one, else the first non-control variant an observational unit chose.
 */
import { DEFAULT_CONTROL, type ExperimentSpec } from './experiment-options.js';

/** What stage 2 learns of an experiment's arms from the changes it applies (kept with its accumulators). */
export interface DiscoveredArms {
  /** Variants in the order first applied. */
  variants: string[];
  /** The default control once fixed (see above); null while provisional. */
  control: string | null;
  /** The default observational arm once an observational unit chose a non-control variant. */
  observationalArm: string | null;
}

export interface ExperimentArms {
  arms: string[];
  control: string;
  /** Null while no observational unit chose a non-control arm of an experiment that does not declare one. */
  observationalArm: string | null;
}

export function noDiscoveredArms(): DiscoveredArms {
  return { variants: [], control: null, observationalArm: null };
}

/** Records a variant the first time a change of it is applied (in place). */
export function discoverVariant(discovered: DiscoveredArms, variant: string): void {
  if (!discovered.variants.includes(variant)) discovered.variants.push(variant);
}

/** The control as of now: declared, fixed, or the default over the variants seen. */
export function controlOf(spec: ExperimentSpec, discovered: DiscoveredArms): string {
  return spec.control ?? discovered.control ?? (discovered.variants.includes(DEFAULT_CONTROL) ? DEFAULT_CONTROL : discovered.variants[0]!);
}

/** Fixes the default control (in place): called once a look or an observational weight depends on it. */
export function fixControl(spec: ExperimentSpec, discovered: DiscoveredArms): string {
  const control = controlOf(spec, discovered);
  if (spec.control === null) discovered.control = control;
  return control;
}

export function experimentArms(spec: ExperimentSpec, discovered: DiscoveredArms): ExperimentArms {
  return {
    arms: spec.split ? Object.keys(spec.split) : [...discovered.variants],
    control: controlOf(spec, discovered),
    observationalArm: spec.observationalArm ?? discovered.observationalArm,
  };
}
