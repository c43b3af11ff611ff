/**
 * Sample-ratio mismatch: Pearson's chi-square goodness-of-fit test of the observed units per arm against the
 * configured split, with (arms - 1) degrees of freedom. A mismatch is flagged at p < 0.001, the threshold common
 * experiment platforms use because the test runs continuously and a flagged experiment's results are not trusted.
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { chiSquareSurvival } from './distributions.js';

export const SAMPLE_RATIO_THRESHOLD = 0.001;

export interface SampleRatioCheck {
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  mismatch: boolean;
  /** Expected units per arm under the configured split, in the order given. */
  expected: number[];
}

/** Tests observed counts against split weights (any positive scale: [1, 1, 1] and [50, 50] both work). */
export function sampleRatioCheck(observed: readonly number[], split: readonly number[], threshold = SAMPLE_RATIO_THRESHOLD): SampleRatioCheck {
  if (observed.length !== split.length || observed.length < 2 || split.some((w) => !(w > 0))) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `sample-ratio check needs one positive split weight per arm (at least two arms); got ${observed.length} counts and split [${split.join(', ')}]`,
      {},
      'configure the expected split of every arm, e.g. { control: 50, treatment: 50 }',
    );
  }
  const total = observed.reduce((a, b) => a + b, 0);
  const weightTotal = split.reduce((a, b) => a + b, 0);
  const expected = split.map((w) => (total * w) / weightTotal);
  const chiSquare = total === 0 ? 0 : observed.reduce((acc, o, i) => acc + (o - expected[i]!) ** 2 / expected[i]!, 0);
  const degreesOfFreedom = observed.length - 1;
  const pValue = chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, mismatch: pValue < threshold, expected };
}
