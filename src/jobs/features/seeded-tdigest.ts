/**
 * Price quantiles with the `tdigest` package, made deterministic so that a replay after a crash rebuilds exactly the
 * same digest. The package's compress() reinserts centroids in an order drawn from Math.random; here the order comes
 * from a seeded stream whose seed is derived from the digest itself (a caller's seed and the digest's total weight),
 * and cumulative counts are always exact (CX = 0), so the result depends only on the stored centroids and the values
 * added, never on history kept in memory.
 *
 * Stored form: a flat array [mean1, n1, mean2, n2, ...] ordered by mean.
 *
 * Accuracy: a centroid at quantile q holds at most 4 n delta q (1 - q) points (the package's merge rule), so the rank
 * of an interpolated quantile is off by at most about that much.
 */
import { TDigest } from 'tdigest';
import { mulberry32 } from '../../core/seeded-random.js';

type Centroid = { mean: number; n: number };

interface DigestInternals {
  compressing: boolean;
  _cumulate(exact: boolean): void;
}

class SeededDigest extends TDigest {
  constructor(
    delta: number,
    private readonly seed: number,
  ) {
    super(delta, 0, 0);
  }

  /** The package's compress() with a seeded shuffle in place of Math.random. */
  override compress(): void {
    const self = this as unknown as DigestInternals;
    if (self.compressing) return;
    const points = this.toArray();
    const random = mulberry32(
      (this.seed ^
        Math.imul(
          points.reduce((n, c) => n + c.n, 0),
          0x9e3779b1,
        )) >>>
        0,
    );
    this.reset();
    self.compressing = true;
    while (points.length > 0) this.push_centroid(points.splice(Math.floor(random() * points.length), 1)[0]!);
    self._cumulate(true);
    self.compressing = false;
  }
}

function restore(stored: readonly number[], delta: number, seed: number): SeededDigest {
  const digest = new SeededDigest(delta, seed);
  const centroids: Centroid[] = [];
  for (let i = 0; i < stored.length; i += 2) centroids.push({ mean: stored[i]!, n: stored[i + 1]! });
  digest.push_centroid(centroids);
  return digest;
}

/** Adds `values` in order to the stored digest, compresses it, and returns the new stored form. */
export function addToDigest(stored: readonly number[], values: readonly number[], delta: number, seed: number): number[] {
  if (values.length === 0) return [...stored];
  const digest = restore(stored, delta, seed);
  digest.push(values);
  digest.compress();
  return digest.toArray().flatMap((c) => [c.mean, c.n]);
}

/** The value at each quantile q in (0, 1), or null for an empty digest. */
export function digestQuantiles(stored: readonly number[], quantiles: readonly number[], delta: number): Array<number | null> {
  if (stored.length === 0) return quantiles.map(() => null);
  const digest = restore(stored, delta, 0);
  return quantiles.map((q) => digest.percentile(q));
}

/** Total weight (number of values) of a stored digest. */
export function digestCount(stored: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < stored.length; i += 2) n += stored[i]!;
  return n;
}
