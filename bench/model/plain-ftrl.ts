/**
 * The baseline of the training benchmark: the same model (FTRL-Proximal on the same hashed features, same
 * parameters, progressive log loss) written as a plain single-threaded loop over a Map of per-coordinate (z, n), with
 * no state store, no threads and no publication.
 */
import { hashFeatures, type HashingSpec } from '../../src/jobs/model/feature-hashing.js';
import type { FtrlParams } from '../../src/jobs/model/ftrl.js';
import type { TrainingExample } from '../../src/jobs/model/training-example.js';

export interface PlainRun {
  weights: Map<number, number>;
  logLoss: number;
}

export function plainFtrl(examples: readonly TrainingExample[], hashing: HashingSpec, p: FtrlParams): PlainRun {
  const state = new Map<number, { z: number; n: number }>();
  const weight = (s: { z: number; n: number }) =>
    Math.abs(s.z) <= p.lambda1 ? 0 : -(s.z - Math.sign(s.z) * p.lambda1) / ((p.beta + Math.sqrt(s.n)) / p.alpha + p.lambda2);
  let loss = 0;
  for (const e of examples) {
    const { indices, values } = hashFeatures(e.features, hashing);
    const cells = indices.map((i) => {
      let s = state.get(i);
      if (!s) state.set(i, (s = { z: 0, n: 0 }));
      return s;
    });
    const w = cells.map(weight);
    const margin = w.reduce((m, wi, j) => m + wi * values[j]!, 0);
    const prob = 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, margin))));
    loss -= e.label === 1 ? Math.log(Math.max(prob, 1e-15)) : Math.log(Math.max(1 - prob, 1e-15));
    cells.forEach((s, j) => {
      const g = (prob - e.label) * values[j]!;
      const sigma = (Math.sqrt(s.n + g * g) - Math.sqrt(s.n)) / p.alpha;
      s.z += g - sigma * w[j]!;
      s.n += g * g;
    });
  }
  const weights = new Map<number, number>();
  for (const [i, s] of state) if (weight(s) !== 0) weights.set(i, weight(s));
  return { weights, logLoss: loss / examples.length };
}
