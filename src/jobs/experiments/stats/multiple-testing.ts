/**
 * Corrections for testing several arms (each against control) and several metrics at once, as adjusted p-values:
 * Holm's step-down (1979; controls the family-wise error rate) and Benjamini-Hochberg's step-up (1995; controls the
 * false discovery rate). An adjusted p-value is compared with alpha directly.
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';

export type Correction = 'holm' | 'benjamini-hochberg';

/** The indices of `p` from smallest to largest p-value (stable for ties). */
const ascending = (p: readonly number[]): number[] => p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);

/** Holm: the k-th smallest (k from 0) becomes max over j <= k of min(1, (m - j) p_(j)). */
export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const out = new Array<number>(m);
  let running = 0;
  ascending(p).forEach((index, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p[index]!));
    out[index] = running;
  });
  return out;
}

/** Benjamini-Hochberg: the k-th smallest (k from 1) becomes min over j >= k of min(1, m p_(j) / j). */
export function benjaminiHochbergAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const out = new Array<number>(m);
  const order = ascending(p);
  let running = 1;
  for (let k = m; k >= 1; k--) {
    const index = order[k - 1]!;
    running = Math.min(running, (m * p[index]!) / k);
    out[index] = running;
  }
  return out;
}

export function adjustPValues(p: readonly number[], correction: Correction): number[] {
  if (p.some((v) => !(v >= 0 && v <= 1))) {
    throw new FlywheelError(ErrorCodes.INTERNAL, `p-values to adjust must lie in [0, 1], got [${p.join(', ')}]`);
  }
  return correction === 'holm' ? holmAdjust(p) : benjaminiHochbergAdjust(p);
}
