/**
 * How experiments act on the synthetic users, as a pure function of the seed and the user id:
 * - randomized: the variant is drawn by the configured weights; a user assigned a non-control variant uses it with
 *   probability `compliance` (a complier), otherwise experiences control;
 * - observational: the user chooses the treatment with the self-selection propensity
 *     logit e(x) = intercept + confounding * (SELECTION_MODEL terms on highValue, engagement and tenure),
 *   the intercept calibrated so the population share choosing it equals the treatment weight's share. The same
 *   covariates raise clicks and purchases (ecommerce-model.ts), so the naive treated-minus-control difference is
 *   biased upwards, while the true effect is what the variant's configured shifts do.
 * Every user experiences exactly one variant per experiment; the shifts of the variants a user experiences add up
 * (click and conversion log-odds) or multiply (price paid) across experiments.
 */
import type { ExperimentOption } from './ecommerce-options.js';
import type { EcommerceWorld } from './ecommerce-world.js';
import { sigmoid, uniform } from '../../core/seeded-random.js';

/** Self-selection coefficients (before scaling by `confounding`); tenure enters as tenureDays / 500 - 1. */
export const SELECTION_MODEL = { highValue: 1.2, engagement: 0.8, tenure: 0.4 } as const;

const ASSIGNMENT_STREAM = 101;
const COMPLIANCE_STREAM = 102;
const SELECTION_STREAM = 103;

/** One experiment's assignment of every user. */
export interface ExperimentAssignment {
  readonly option: ExperimentOption;
  /** Per user: the variant assigned (randomized) or chosen (observational). */
  readonly variant: Uint8Array;
  /** Per user: 1 if the user would use a non-control variant when assigned one (always 1 for observational). */
  readonly complier: Uint8Array;
  /** Observational only, per user: the probability of choosing the treatment. */
  readonly propensity: Float64Array | null;
  /** Observational only: the calibrated intercept of the selection model. */
  readonly selectionIntercept: number | null;
}

export class ExperimentPlan {
  readonly assignments: ExperimentAssignment[];
  /** Per user, summed over experiments: the click and conversion log-odds shifts of the variants experienced. */
  readonly clickShift: Float64Array;
  readonly conversionShift: Float64Array;
  /** Per user, multiplied over experiments: price paid relative to list price. */
  readonly revenueMultiplier: Float64Array;

  constructor(
    readonly world: EcommerceWorld,
    experiments: readonly ExperimentOption[],
    private readonly seed: number,
  ) {
    this.assignments = experiments.map((x, e) => (x.randomized ? this.randomize(x, e) : this.selfSelect(x, e)));
    const U = world.users;
    this.clickShift = new Float64Array(U);
    this.conversionShift = new Float64Array(U);
    this.revenueMultiplier = new Float64Array(U).fill(1);
    for (let e = 0; e < this.assignments.length; e++) {
      for (let u = 0; u < U; u++) {
        const v = this.assignments[e]!.option.variants[this.experienced(e, u)]!;
        this.clickShift[u] += v.clickEffect;
        this.conversionShift[u] += v.conversionEffect;
        this.revenueMultiplier[u] *= 1 + v.revenueEffect;
      }
    }
  }

  /** The variant user u actually experiences in experiment e: the assigned one if used, else control. */
  experienced(e: number, u: number): number {
    const a = this.assignments[e]!;
    return a.complier[u] === 1 ? a.variant[u]! : 0;
  }

  /** Whether user u uses the variant assigned in experiment e (control is always "used"). */
  used(e: number, u: number): boolean {
    const a = this.assignments[e]!;
    return a.variant[u] === 0 || a.complier[u] === 1;
  }

  /** The selection score of user u before the intercept: confounding times the SELECTION_MODEL terms. */
  static selectionScore(world: EcommerceWorld, u: number, confounding: number): number {
    const s = SELECTION_MODEL;
    return confounding * (s.highValue * world.highValue[u]! + s.engagement * world.engagement[u]! + s.tenure * (world.tenureDays[u]! / 500 - 1));
  }

  private randomize(x: ExperimentOption, e: number): ExperimentAssignment {
    const U = this.world.users;
    const total = x.variants.reduce((t, v) => t + v.weight, 0);
    const variant = new Uint8Array(U);
    const complier = new Uint8Array(U);
    for (let u = 0; u < U; u++) {
      let r = uniform(this.seed, ASSIGNMENT_STREAM, u, e) * total;
      let v = 0;
      while (v < x.variants.length - 1 && r >= x.variants[v]!.weight) r -= x.variants[v++]!.weight;
      variant[u] = v;
      complier[u] = uniform(this.seed, COMPLIANCE_STREAM, u, e) < x.compliance ? 1 : 0;
    }
    return { option: x, variant, complier, propensity: null, selectionIntercept: null };
  }

  private selfSelect(x: ExperimentOption, e: number): ExperimentAssignment {
    const U = this.world.users;
    const scores = Float64Array.from({ length: U }, (_, u) => ExperimentPlan.selectionScore(this.world, u, x.confounding));
    const targetShare = x.variants[1]!.weight / (x.variants[0]!.weight + x.variants[1]!.weight);
    const intercept = calibrateIntercept(scores, targetShare);
    const propensity = scores.map((s) => sigmoid(intercept + s));
    const variant = new Uint8Array(U);
    for (let u = 0; u < U; u++) variant[u] = uniform(this.seed, SELECTION_STREAM, u, e) < propensity[u]! ? 1 : 0;
    return { option: x, variant, complier: new Uint8Array(U).fill(1), propensity, selectionIntercept: intercept };
  }
}

/** The intercept a for which the mean of sigmoid(a + score) equals `share` (bisection; the mean rises with a). */
function calibrateIntercept(scores: Float64Array, share: number): number {
  const meanAt = (a: number): number => scores.reduce((t, s) => t + sigmoid(a + s), 0) / scores.length;
  let lo = -40;
  let hi = 40;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (meanAt(mid) < share) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
