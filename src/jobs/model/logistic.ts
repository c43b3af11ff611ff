/** The logistic link shared by the learner and the scorers: a linear margin to a probability, overflow-safe. */

/** Margins beyond +-35 give probabilities within 1e-15 of 0 or 1; clamping keeps exp() finite. */
const MAX_MARGIN = 35;

export function sigmoid(margin: number): number {
  const m = Math.min(MAX_MARGIN, Math.max(-MAX_MARGIN, margin));
  return 1 / (1 + Math.exp(-m));
}
