/**
 * Warnings the experiment statistics raise as data (a stable code, a message naming the arm or covariate and what it
 * means), so the report can show them and a job can count them; nothing here writes to the console.
 */

export const StatsWarningCodes = {
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
  SAMPLE_RATIO_MISMATCH: 'SAMPLE_RATIO_MISMATCH',
  ZERO_CONTROL_MEAN: 'ZERO_CONTROL_MEAN',
  CUPED_NOT_APPLIED: 'CUPED_NOT_APPLIED',
  COVARIATE_IMBALANCE: 'COVARIATE_IMBALANCE',
  IMBALANCE_BEFORE_WEIGHTING: 'IMBALANCE_BEFORE_WEIGHTING',
  POOR_OVERLAP: 'POOR_OVERLAP',
  EXTREME_WEIGHTS: 'EXTREME_WEIGHTS',
  WEAK_INSTRUMENT: 'WEAK_INSTRUMENT',
  ESTIMATES_DISAGREE: 'ESTIMATES_DISAGREE',
} as const;

export type StatsWarningCode = (typeof StatsWarningCodes)[keyof typeof StatsWarningCodes];

export interface StatsWarning {
  code: StatsWarningCode;
  message: string;
  /** The arm the warning is about, where it is about one. */
  arm?: string;
}
