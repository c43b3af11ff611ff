/**
 * A seeded simulated world with a known true logistic model over hashed features, for testing the online learner:
 * users in segments, items in categories, a device, two numeric features and a segment x category cross. The true
 * weights are drawn once per hashed coordinate, so the truth lives in exactly the space the learner works in.
 */
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { hashFeatures, type HashingSpec, type NamedFeatures, type SparseFeatures } from '../../../src/jobs/model/feature-hashing.js';
import { sigmoid } from '../../../src/jobs/model/logistic.js';

export interface WorldExample {
  features: SparseFeatures;
  /** The true probability of a positive label. */
  truth: number;
  label: 0 | 1;
}

export interface LogisticWorld {
  hashing: HashingSpec;
  next(): WorldExample;
}

export interface WorldOptions {
  seed: number;
  segments: number;
  categories: number;
  /** Standard deviation of the true weights. */
  weightScale: number;
  /** True weight of the intercept; sets the base rate. */
  bias: number;
}

export function logisticWorld(options: WorldOptions): LogisticWorld {
  const random = mulberry32(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = (n: number) => Math.floor(random() * n);
  const hashing: HashingSpec = { bits: 18, seed: 7, crosses: [['user.segment', 'item.category']] };
  const trueWeights = new Map<number, number>();
  const weightOf = (coord: number) => {
    let w = trueWeights.get(coord);
    if (w === undefined) {
      w = normal() * options.weightScale;
      trueWeights.set(coord, w);
    }
    return w;
  };
  // The intercept's coordinate gets the configured bias before anything else draws a weight for it.
  const biasOnly = hashFeatures({}, hashing);
  trueWeights.set(biasOnly.indices[0]!, options.bias);
  return {
    hashing,
    next() {
      const named: NamedFeatures = {
        'user.segment': `s${pick(options.segments)}`,
        'item.category': `c${pick(options.categories)}`,
        device: ['ios', 'android', 'web'][pick(3)]!,
        'user.activity': random(),
        'item.priceZ': normal(),
      };
      const features = hashFeatures(named, hashing);
      let margin = 0;
      for (let j = 0; j < features.indices.length; j++) margin += weightOf(features.indices[j]!) * features.values[j]!;
      const truth = sigmoid(margin);
      return { features, truth, label: random() < truth ? 1 : 0 };
    },
  };
}
