/**
 * The population stability index of a window's distribution of a field against reference shares:
 *   PSI = sum over buckets of (a - e) * ln(a / e),
 * a the observed share, e the reference share; an empty bucket counts as a share of EMPTY_SHARE, as is customary,
 * so the index stays finite. Buckets are cut by increasing edges: below the first edge, [edge k, edge k+1), and from
 * the last edge on. A common reading: under 0.1 stable, 0.1-0.25 moderate shift, over 0.25 a large shift.
 */

export const EMPTY_SHARE = 1e-4;

/** The bucket of value v: how many edges are <= v. */
export function bucketOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** PSI of bucket counts against reference shares; null when no value was counted. */
export function populationStabilityIndex(counts: readonly number[], reference: readonly number[]): number | null {
  const n = counts.reduce((t, c) => t + c, 0);
  if (n === 0) return null;
  let psi = 0;
  counts.forEach((c, k) => {
    const a = c === 0 ? EMPTY_SHARE : c / n;
    const e = reference[k]!;
    psi += (a - e) * Math.log(a / e);
  });
  return psi;
}
