/**
 * Published model versions: a full snapshot of the nonzero weights, or a delta from one version to the next that
 * carries only the coordinates whose weight changed, and the weight table a scorer keeps and patches with deltas.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { SparseFeatures } from './feature-hashing.js';
import { weights, type FtrlModel, type ModelWeights } from './ftrl.js';
import { sigmoid } from './logistic.js';

export interface ModelSnapshot extends ModelWeights {
  version: number;
}

/** Changes from `fromVersion` to `version`: the new weight of each listed coordinate, 0 meaning it was dropped. */
export interface ModelDelta extends ModelWeights {
  fromVersion: number;
  version: number;
}

/** What a scorer holds: the weights of one version, by coordinate. */
export interface ScoringWeights {
  version: number;
  table: Map<number, number>;
}

export function snapshotOf(model: FtrlModel, version: number): ModelSnapshot {
  return { version, ...weights(model) };
}

/** Walks two coordinate-sorted weight lists together, once per coordinate in either (undefined where absent). */
function walkTogether(a: ModelWeights, b: ModelWeights, visit: (coord: number, inA: number | undefined, inB: number | undefined) => void): void {
  let i = 0;
  let j = 0;
  while (i < a.coords.length || j < b.coords.length) {
    const ca = i < a.coords.length ? a.coords[i]! : Infinity;
    const cb = j < b.coords.length ? b.coords[j]! : Infinity;
    const coord = Math.min(ca, cb);
    visit(coord, ca === coord ? a.weights[i++]! : undefined, cb === coord ? b.weights[j++]! : undefined);
  }
}

/**
 * The delta from `base` to `next`, leaving out weights that moved by less than `minChange`. The publisher must keep
 * `applyDelta(base, delta)` as its next base, so the weights scorers hold never drift more than `minChange` away.
 */
export function deltaBetween(base: ModelSnapshot, next: ModelSnapshot, minChange = 0): ModelDelta {
  const delta: ModelDelta = { fromVersion: base.version, version: next.version, coords: [], weights: [] };
  walkTogether(base, next, (coord, before = 0, after = 0) => {
    const dropped = after === 0 && before !== 0;
    if (dropped || Math.abs(after - before) > minChange) {
      delta.coords.push(coord);
      delta.weights.push(after);
    }
  });
  return delta;
}

function checkVersion(held: number, delta: ModelDelta): void {
  if (held !== delta.fromVersion) {
    throw new FlywheelError(
      ErrorCodes.STATE,
      `model delta ${delta.fromVersion} -> ${delta.version} does not apply to version ${held}`,
      {},
      'load the latest full snapshot, then apply the deltas that follow it',
    );
  }
}

/** The snapshot that results from applying `delta` to `base`. */
export function applyDelta(base: ModelSnapshot, delta: ModelDelta): ModelSnapshot {
  checkVersion(base.version, delta);
  const out: ModelSnapshot = { version: delta.version, coords: [], weights: [] };
  walkTogether(base, delta, (coord, held, changed) => {
    const w = changed ?? held!;
    if (w !== 0) {
      out.coords.push(coord);
      out.weights.push(w);
    }
  });
  return out;
}

export function scoringWeights(snapshot: ModelSnapshot): ScoringWeights {
  const table = new Map<number, number>();
  for (let i = 0; i < snapshot.coords.length; i++) table.set(snapshot.coords[i]!, snapshot.weights[i]!);
  return { version: snapshot.version, table };
}

/** Patches a scorer's weights in place with the next delta. */
export function patchScoringWeights(scoring: ScoringWeights, delta: ModelDelta): void {
  checkVersion(scoring.version, delta);
  for (let i = 0; i < delta.coords.length; i++) {
    const w = delta.weights[i]!;
    if (w === 0) scoring.table.delete(delta.coords[i]!);
    else scoring.table.set(delta.coords[i]!, w);
  }
  scoring.version = delta.version;
}

/** The probability a published model gives to an example. */
export function scoreWith(scoring: ScoringWeights, features: SparseFeatures): number {
  let margin = 0;
  for (let j = 0; j < features.indices.length; j++) margin += (scoring.table.get(features.indices[j]!) ?? 0) * features.values[j]!;
  return sigmoid(margin);
}
