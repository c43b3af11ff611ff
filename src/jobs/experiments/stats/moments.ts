/**
 * Sufficient statistics of one experiment arm: a mergeable, retractable accumulator of weighted first and second
 * moments over a fixed list of named variables (an outcome, a pre-exposure covariate, a usage flag, the numerator and
 * denominator of a ratio metric...). It is plain data (JSON and msgpack safe) so it can live in LMDB, and every
 * estimator of this folder reads it instead of raw observations.
 *
 * Numerics: sums are kept of shifted values (v - k), with the shift k taken from the first observation (the "shifted
 * data" algorithm; Chan, Golub and LeVeque 1983, "Algorithms for computing the sample variance"). Centered moments
 * then come from sums whose size is that of the spread, not of the level, so sum(v^2) - sum(v)^2 / n does not cancel
 * catastrophically on values like 1e9 +- 1. Unlike Welford's running mean, plain sums make retraction the exact
 * inverse of addition (the same terms are subtracted), and merging only re-expresses one side in the other's shift.
 * When the last observation is retracted the sums are reset to exactly zero so rounding never accumulates.
 *
 * Each observation carries a weight w (1 for plain estimators; an inverse propensity for weighting estimators).
 * Sums are kept under w and under w^2: the second set gives the variance of weighted means and the effective sample
 * size.
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';

export interface Moments {
  /** The variables, in storage order. */
  names: string[];
  /** Number of observations. */
  count: number;
  /** Sum of weights. */
  weight: number;
  /** Sum of squared weights. */
  weightSquared: number;
  /** Per variable, the shift k_i subtracted before summing. */
  shift: number[];
  /** Per variable, sum of w (v_i - k_i). */
  sum: number[];
  /** Per variable, sum of w^2 (v_i - k_i). */
  sumSquaredWeight: number[];
  /** Upper triangle (i <= j, row by row) of sum of w (v_i - k_i)(v_j - k_j). */
  cross: number[];
  /** Upper triangle of sum of w^2 (v_i - k_i)(v_j - k_j). */
  crossSquaredWeight: number[];
}

/** One unit's values by variable name (other fields are ignored; the accumulated ones must be finite numbers). */
export type Observation = Readonly<Record<string, unknown>>;

const triangleSize = (k: number): number => (k * (k + 1)) / 2;

/** Position of (i, j) in the row-by-row upper triangle of a k x k symmetric matrix. */
function triangleIndex(k: number, i: number, j: number): number {
  const [a, b] = i <= j ? [i, j] : [j, i];
  return a * k - (a * (a - 1)) / 2 + (b - a);
}

export function createMoments(names: readonly string[]): Moments {
  if (names.length === 0 || new Set(names).size !== names.length) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `moments need distinct variable names, got [${names.join(', ')}]`,
      {},
      'name each variable once, e.g. ["revenue", "preRevenue"]',
    );
  }
  const k = names.length;
  return {
    names: [...names],
    count: 0,
    weight: 0,
    weightSquared: 0,
    shift: new Array<number>(k).fill(0),
    sum: new Array<number>(k).fill(0),
    sumSquaredWeight: new Array<number>(k).fill(0),
    cross: new Array<number>(triangleSize(k)).fill(0),
    crossSquaredWeight: new Array<number>(triangleSize(k)).fill(0),
  };
}

/** The index of a variable; throws a clear error for a name the accumulator does not hold. */
export function variableIndex(m: Moments, name: string): number {
  const i = m.names.indexOf(name);
  if (i < 0) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `variable "${name}" is not among the accumulated ones [${m.names.join(', ')}]`,
      {},
      'create the moments with every variable an estimator reads',
    );
  }
  return i;
}

function valuesOf(m: Moments, obs: Observation): number[] {
  return m.names.map((name) => {
    const v = obs[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `observation variable "${name}" must be a finite number, got ${String(v)}`,
        {},
        `every observation carries all of [${m.names.join(', ')}]`,
      );
    }
    return v;
  });
}

function accumulate(m: Moments, values: number[], w: number, sign: 1 | -1): void {
  const k = values.length;
  const ws = sign * w;
  const ws2 = sign * w * w;
  m.count += sign;
  m.weight += ws;
  m.weightSquared += ws2;
  for (let i = 0; i < k; i++) {
    const di = values[i]! - m.shift[i]!;
    m.sum[i]! += ws * di;
    m.sumSquaredWeight[i]! += ws2 * di;
    for (let j = i; j < k; j++) {
      const t = triangleIndex(k, i, j);
      const dij = di * (values[j]! - m.shift[j]!);
      m.cross[t]! += ws * dij;
      m.crossSquaredWeight[t]! += ws2 * dij;
    }
  }
}

function checkWeight(w: number): void {
  if (!Number.isFinite(w) || w <= 0) {
    throw new FlywheelError(
      ErrorCodes.BAD_RECORD,
      `observation weight must be a finite number > 0, got ${w}`,
      {},
      'weights are 1 for plain estimators and inverse propensities for weighting ones',
    );
  }
}

/** Adds one observation (in place) and returns the accumulator. */
export function addObservation(m: Moments, obs: Observation, w = 1): Moments {
  checkWeight(w);
  const values = valuesOf(m, obs);
  if (m.count === 0) m.shift = values.slice();
  accumulate(m, values, w, 1);
  return m;
}

/**
 * Retracts one observation added earlier with the same values and weight (in place). Retracting from an empty
 * accumulator is an error: it means a contribution was removed twice.
 */
export function removeObservation(m: Moments, obs: Observation, w = 1): Moments {
  checkWeight(w);
  if (m.count <= 0) {
    throw new FlywheelError(
      ErrorCodes.STATE,
      'cannot retract an observation from empty moments',
      {},
      'retract only a contribution that was added and not yet retracted',
    );
  }
  accumulate(m, valuesOf(m, obs), w, -1);
  if (m.count === 0) resetSums(m);
  return m;
}

function resetSums(m: Moments): void {
  m.weight = 0;
  m.weightSquared = 0;
  m.sum.fill(0);
  m.sumSquaredWeight.fill(0);
  m.cross.fill(0);
  m.crossSquaredWeight.fill(0);
}

/** The sums of `m` re-expressed around another shift: sum w (v - k') = sum w (v - k) + W (k - k'), and so on. */
function reshifted(m: Moments, shift: number[]): Moments {
  const k = m.names.length;
  const delta = m.shift.map((s, i) => s - shift[i]!);
  const out: Moments = { ...m, shift: shift.slice(), sum: [], sumSquaredWeight: [], cross: [], crossSquaredWeight: [] };
  for (let i = 0; i < k; i++) {
    out.sum[i] = m.sum[i]! + m.weight * delta[i]!;
    out.sumSquaredWeight[i] = m.sumSquaredWeight[i]! + m.weightSquared * delta[i]!;
  }
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const t = triangleIndex(k, i, j);
      out.cross[t] = m.cross[t]! + delta[j]! * m.sum[i]! + delta[i]! * m.sum[j]! + m.weight * delta[i]! * delta[j]!;
      out.crossSquaredWeight[t] =
        m.crossSquaredWeight[t]! + delta[j]! * m.sumSquaredWeight[i]! + delta[i]! * m.sumSquaredWeight[j]! + m.weightSquared * delta[i]! * delta[j]!;
    }
  }
  return out;
}

/** A new accumulator holding the observations of both (which must hold the same variables in the same order). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.names.length !== b.names.length || a.names.some((n, i) => n !== b.names[i])) {
    throw new FlywheelError(
      ErrorCodes.STATE,
      `cannot merge moments of [${a.names.join(', ')}] with moments of [${b.names.join(', ')}]`,
      {},
      'merge only accumulators created with the same variable list',
    );
  }
  if (b.count === 0) return structuredClone(a);
  if (a.count === 0) return structuredClone(b);
  const bs = reshifted(b, a.shift);
  const add = (x: number[], y: number[]): number[] => x.map((v, i) => v + y[i]!);
  return {
    names: [...a.names],
    count: a.count + b.count,
    weight: a.weight + b.weight,
    weightSquared: a.weightSquared + b.weightSquared,
    shift: a.shift.slice(),
    sum: add(a.sum, bs.sum),
    sumSquaredWeight: add(a.sumSquaredWeight, bs.sumSquaredWeight),
    cross: add(a.cross, bs.cross),
    crossSquaredWeight: add(a.crossSquaredWeight, bs.crossSquaredWeight),
  };
}

/** Weighted mean of a variable (NaN when empty). */
export function meanOf(m: Moments, name: string): number {
  const i = variableIndex(m, name);
  return m.shift[i]! + m.sum[i]! / m.weight;
}

/** sum w (a - mean a)(b - mean b): the weighted centered co-moment. */
export function centeredCoMoment(m: Moments, a: string, b: string): number {
  const i = variableIndex(m, a);
  const j = variableIndex(m, b);
  return m.cross[triangleIndex(m.names.length, i, j)]! - (m.sum[i]! * m.sum[j]!) / m.weight;
}

/** sum w^2 (a - mean a)(b - mean b), the means being the w-weighted ones: the core of a weighted mean's variance. */
export function squaredWeightCoMoment(m: Moments, a: string, b: string): number {
  const i = variableIndex(m, a);
  const j = variableIndex(m, b);
  const ma = m.sum[i]! / m.weight;
  const mb = m.sum[j]! / m.weight;
  return m.crossSquaredWeight[triangleIndex(m.names.length, i, j)]! - ma * m.sumSquaredWeight[j]! - mb * m.sumSquaredWeight[i]! + ma * mb * m.weightSquared;
}

/**
 * Unbiased covariance with the reliability-weights denominator W - sum(w^2) / W, which is n - 1 when every weight
 * is 1 (so this is the usual sample covariance there). NaN below two observations.
 */
export function covarianceOf(m: Moments, a: string, b: string): number {
  if (m.count < 2) return Number.NaN;
  const denominator = m.weight - m.weightSquared / m.weight;
  return centeredCoMoment(m, a, b) / denominator;
}

/** Unbiased variance (see covarianceOf), clamped at 0 where rounding leaves a constant variable slightly negative. */
export function varianceOf(m: Moments, name: string): number {
  return Math.max(0, covarianceOf(m, name, name));
}

/**
 * A copy in which one variable is 0 for every observation: with shift 0, each of its sums and cross products is
 * exactly 0. The control arm's usage of the treatment is 0 whatever its units' usage flag says (stats/report.ts).
 */
export function withVariableAtZero(m: Moments, name: string): Moments {
  const i = variableIndex(m, name);
  const k = m.names.length;
  const out = structuredClone(m);
  out.shift[i] = 0;
  out.sum[i] = 0;
  out.sumSquaredWeight[i] = 0;
  for (let j = 0; j < k; j++) {
    out.cross[triangleIndex(k, i, j)] = 0;
    out.crossSquaredWeight[triangleIndex(k, i, j)] = 0;
  }
  return out;
}

/** Kish's effective sample size (sum w)^2 / sum w^2: the count itself when every weight is 1. */
export function effectiveCount(m: Moments): number {
  return m.count === 0 ? 0 : (m.weight * m.weight) / m.weightSquared;
}
