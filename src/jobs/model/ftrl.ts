/**
 * FTRL-Proximal logistic regression (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches",
 * Algorithm 1), learned one example at a time on hashed sparse features. Per coordinate i, with gradient
 * g_i = (p - y) x_i of the log loss:
 *   sigma_i = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha;  z_i += g_i - sigma_i * w_i;  n_i += g_i^2;
 *   w_i = 0 if |z_i| <= lambda1, else -(z_i - sign(z_i) * lambda1) / ((beta + sqrt(n_i)) / alpha + lambda2).
 * The model is plain data (JSON and msgpack safe) and fully deterministic.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { claimSlot, createCoordinateStore, findSlot, forEachCoordinate, reserve, type CoordinateStore } from './coordinate-store.js';
import type { SparseFeatures } from './feature-hashing.js';
import { sigmoid } from './logistic.js';

export interface FtrlParams {
  /** Per-coordinate learning-rate scale. */
  alpha: number;
  /** Smooths the learning rate of rarely seen coordinates. */
  beta: number;
  /** L1 strength: coordinates with |z| <= lambda1 have weight exactly 0 (sparsity). */
  lambda1: number;
  /** L2 strength. */
  lambda2: number;
}

export interface FtrlModel {
  params: FtrlParams;
  coords: CoordinateStore;
  /** Examples learned from. */
  examples: number;
}

/** The nonzero weights of a model, by ascending coordinate. */
export interface ModelWeights {
  coords: number[];
  weights: number[];
}

export const DEFAULT_FTRL_PARAMS: Readonly<FtrlParams> = { alpha: 0.1, beta: 1, lambda1: 1, lambda2: 1 };

export function createFtrl(params: Partial<FtrlParams> = {}): FtrlModel {
  const full = { ...DEFAULT_FTRL_PARAMS, ...params };
  const bad = (Object.keys(full) as Array<keyof FtrlParams>).find((k) => !Number.isFinite(full[k]) || full[k] < 0 || (k === 'alpha' && full[k] === 0));
  if (bad) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `FTRL ${bad} must be a finite number ${bad === 'alpha' ? '> 0' : '>= 0'}, got ${full[bad]}`,
      {},
      'typical values: alpha 0.05-0.2, beta 1, lambda1 0-2, lambda2 0-2',
    );
  }
  return { params: full, coords: createCoordinateStore(), examples: 0 };
}

/** w_i from the coordinate's (z, n), by the closed form of the per-coordinate proximal step. */
function weightFrom(p: FtrlParams, z: number, n: number): number {
  if (Math.abs(z) <= p.lambda1) return 0;
  return -(z - Math.sign(z) * p.lambda1) / ((p.beta + Math.sqrt(n)) / p.alpha + p.lambda2);
}

/** The weight of one coordinate (0 for coordinates never seen). */
export function weightOf(model: FtrlModel, coord: number): number {
  const s = findSlot(model.coords, coord);
  return s < 0 ? 0 : weightFrom(model.params, model.coords.z[s]!, model.coords.n[s]!);
}

/** The predicted probability of a positive label. */
export function predict(model: FtrlModel, features: SparseFeatures): number {
  const { indices, values } = features;
  let margin = 0;
  for (let j = 0; j < indices.length; j++) margin += weightOf(model, indices[j]!) * values[j]!;
  return sigmoid(margin);
}

/**
 * Learns from one example (label 1 or 0, or a probability in [0, 1]) and returns the prediction made before learning
 * from it, for progressive validation. `features` must have distinct indices, as `hashFeatures` produces.
 */
export function update(model: FtrlModel, features: SparseFeatures, label: number): number {
  if (!(label >= 0 && label <= 1)) {
    throw new FlywheelError(
      ErrorCodes.BAD_RECORD,
      `label must be 0 or 1 (or a probability), got ${label}`,
      {},
      'derive labels as 1 for a click or purchase and 0 otherwise',
    );
  }
  const { indices, values } = features;
  const { params } = model;
  const store = model.coords;
  const slots = new Array<number>(indices.length);
  const w = new Array<number>(indices.length);
  // With room reserved up front no claim below moves a slot claimed before it.
  reserve(store, indices.length);
  let margin = 0;
  for (let j = 0; j < indices.length; j++) {
    const s = claimSlot(store, indices[j]!);
    slots[j] = s;
    w[j] = weightFrom(params, store.z[s]!, store.n[s]!);
    margin += w[j]! * values[j]!;
  }
  const p = sigmoid(margin);
  const residual = p - label;
  for (let j = 0; j < indices.length; j++) {
    const s = slots[j]!;
    const g = residual * values[j]!;
    const n = store.n[s]!;
    const sigma = (Math.sqrt(n + g * g) - Math.sqrt(n)) / params.alpha;
    store.z[s] = store.z[s]! + g - sigma * w[j]!;
    store.n[s] = n + g * g;
  }
  model.examples++;
  return p;
}

/** The model's nonzero weights by ascending coordinate, for publishing to scorers. */
export function weights(model: FtrlModel): ModelWeights {
  const found: number[] = [];
  forEachCoordinate(model.coords, (coord) => found.push(coord));
  const sorted = Float64Array.from(found).sort();
  const out: ModelWeights = { coords: [], weights: [] };
  for (const coord of sorted) {
    const w = weightOf(model, coord);
    if (w !== 0) {
      out.coords.push(coord);
      out.weights.push(w);
    }
  }
  return out;
}
