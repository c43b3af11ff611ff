/**
 * The propensity model of observational exposures: P(a unit chose treatment | covariates), an online logistic
 * regression learned one unit at a time by recursive Newton steps (the extended Kalman filter for logistic
 * regression). The state is the coefficients (intercept first) and the inverse of the accumulated Hessian
 *   H = lambda I + sum_i p_i (1 - p_i) z_i z_i^T,   z = (1, covariates),
 * kept up to date by the Sherman-Morrison identity; each unit moves the coefficients by P z (y - p), a Newton step
 * on its log-likelihood, so after one pass it is close to the maximum-likelihood fit.
 * The recursion is not invariant to the covariates' units (the prior and the first, roughest steps are not): on
 * LaLonde's CPS comparison with earnings in $1000s and their squares, one pass reached a log-likelihood of -16128
 * raw and -451 standardized, against -414 at the maximum. So covariates are standardized inside the model by a
 * configured center and scale per covariate (typical values: a mean and a standard deviation known beforehand).
 * The model is plain data (JSON and msgpack safe).
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { sigmoid } from '../../model/logistic.js';

export interface PropensityModel {
  /** Covariate names, in the order of coefficients[1..]. */
  covariates: string[];
  /** Per covariate, the value subtracted and the divisor applied before the covariate enters the model. */
  center: number[];
  scale: number[];
  /** Intercept, then one coefficient per standardized covariate. */
  coefficients: number[];
  /** The inverse Hessian, (d x d) row by row, d = covariates + 1. */
  inverseHessian: number[];
  /** Units learned from. */
  count: number;
}

/** Prior precision lambda: a weak ridge penalty that makes H invertible before the data can. */
export const DEFAULT_PRIOR_PRECISION = 1e-2;

/** Curvature floor: a confidently predicted unit still adds a little information, which keeps P well conditioned. */
const MIN_CURVATURE = 1e-6;

export interface PropensityOptions {
  /** Per covariate name: its center and scale (default 0 and 1: used as given). */
  standardization?: Readonly<Record<string, { center: number; scale: number }>>;
  priorPrecision?: number;
}

export function createPropensityModel(covariates: readonly string[], options: PropensityOptions = {}): PropensityModel {
  const priorPrecision = options.priorPrecision ?? DEFAULT_PRIOR_PRECISION;
  if (!(priorPrecision > 0) || !Number.isFinite(priorPrecision)) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `propensity prior precision must be a finite number > 0, got ${priorPrecision}`,
      {},
      `the default ${DEFAULT_PRIOR_PRECISION} is a weak ridge penalty`,
    );
  }
  const given = covariates.map((name) => options.standardization?.[name] ?? { center: 0, scale: 1 });
  const bad = given.findIndex((g) => !Number.isFinite(g.center) || !(g.scale > 0) || !Number.isFinite(g.scale));
  if (bad >= 0) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `standardization of propensity covariate "${covariates[bad]}" needs a finite center and a finite scale > 0`,
      {},
      "use the covariate's mean and standard deviation, e.g. { center: 35, scale: 10 }",
    );
  }
  const d = covariates.length + 1;
  const inverseHessian = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) inverseHessian[i * d + i] = 1 / priorPrecision;
  return {
    covariates: [...covariates],
    center: given.map((g) => g.center),
    scale: given.map((g) => g.scale),
    coefficients: new Array<number>(d).fill(0),
    inverseHessian,
    count: 0,
  };
}

function designRow(model: PropensityModel, covariates: Readonly<Record<string, unknown>>): number[] {
  return [
    1,
    ...model.covariates.map((name, i) => {
      const v = covariates[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new FlywheelError(
          ErrorCodes.BAD_RECORD,
          `propensity covariate "${name}" must be a finite number, got ${String(v)}`,
          {},
          `every observational exposure carries covariates [${model.covariates.join(', ')}]`,
        );
      }
      return (v - model.center[i]!) / model.scale[i]!;
    }),
  ];
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((acc, v, i) => acc + v * b[i]!, 0);

/** The probability of treatment given covariates, under the current coefficients. */
export function propensityOf(model: PropensityModel, covariates: Readonly<Record<string, unknown>>): number {
  return sigmoid(dot(model.coefficients, designRow(model, covariates)));
}

/** Learns from one unit (in place): its covariates and whether it chose treatment. Returns the propensity before. */
export function learnPropensity(model: PropensityModel, covariates: Readonly<Record<string, unknown>>, treated: boolean): number {
  const z = designRow(model, covariates);
  const d = z.length;
  const p = sigmoid(dot(model.coefficients, z));
  const h = Math.max(p * (1 - p), MIN_CURVATURE);
  const P = model.inverseHessian;
  const pz = new Array<number>(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += P[i * d + j]! * z[j]!;
    pz[i] = s;
  }
  const scale = h / (1 + h * dot(z, pz));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) P[i * d + j]! -= scale * pz[i]! * pz[j]!;
  }
  // The step uses the updated inverse Hessian: P_new z = P_old z / (1 + h z^T P_old z).
  const stepScale = ((treated ? 1 : 0) - p) / (1 + h * dot(z, pz));
  for (let i = 0; i < d; i++) model.coefficients[i]! += stepScale * pz[i]!;
  model.count += 1;
  return p;
}
