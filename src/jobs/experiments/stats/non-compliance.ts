/**
 * Non-compliance: users are assigned an arm at random but only some use what they were assigned. Assignment is an
 * instrument for usage D. The intent-to-treat effect is the difference in outcome means; the complier average effect
 * is the Wald estimator beta = ITT_Y / ITT_D (Angrist, Imbens and Rubin 1996), with the delta-method variance
 *   Var(beta) = (Var(ITT_Y) - 2 beta Cov(ITT_Y, ITT_D) + beta^2 Var(ITT_D)) / ITT_D^2,
 * where Cov(ITT_Y, ITT_D) = s_YD,T / n_T + s_YD,C / n_C (the arms are independent). First-stage strength is the F
 * statistic of usage on assignment, which with one binary instrument is (ITT_D / se(ITT_D))^2; below 10 the instrument
 * is weak (Staiger and Stock 1997) and the complier effect and its interval are unreliable.
 */
import { normalEstimate, type Estimate } from './estimate.js';
import { covarianceOf, type Moments } from './moments.js';
import { differenceInMeans } from './welch.js';

export const WEAK_INSTRUMENT_F = 10;

export interface ComplierAnalysis {
  intentToTreat: Estimate;
  /** ITT on usage: the share of compliers (treatment usage minus control usage). */
  firstStage: Estimate;
  firstStageF: number;
  weakInstrument: boolean;
  /** Wald estimator of the complier average effect; null when the first stage is exactly 0. */
  complierEffect: Estimate | null;
}

/** ITT, first stage and complier effect of treatment vs control; null below two units per arm or without variance. */
export function complierAnalysis(control: Moments, treatment: Moments, outcome: string, usage: string, alpha: number): ComplierAnalysis | null {
  const itt = differenceInMeans(control, treatment, outcome, alpha);
  const firstStage = differenceInMeans(control, treatment, usage, alpha);
  if (!itt || !firstStage) return null;
  const firstStageF = (firstStage.estimate / firstStage.standardError) ** 2;
  const base = { intentToTreat: itt, firstStage, firstStageF, weakInstrument: firstStageF < WEAK_INSTRUMENT_F };
  if (firstStage.estimate === 0) return { ...base, complierEffect: null };
  const beta = itt.estimate / firstStage.estimate;
  const cov = covarianceOf(treatment, outcome, usage) / treatment.count + covarianceOf(control, outcome, usage) / control.count;
  const variance = (itt.standardError ** 2 - 2 * beta * cov + beta * beta * firstStage.standardError ** 2) / firstStage.estimate ** 2;
  return { ...base, complierEffect: normalEstimate(beta, Math.sqrt(Math.max(0, variance)), alpha) };
}
