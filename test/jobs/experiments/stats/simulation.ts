/**
 * Seeded randomness for the simulation tests of the experiment statistics: uniforms from the generators' mulberry32
 * stream, standard normals from them by Box-Muller, and a helper that fills arm moments from a sampler.
 */
import { mulberry32 } from '../../../../src/connectors/generator/random.js';
import { addObservation, createMoments, type Moments, type Observation } from '../../../../src/jobs/experiments/stats/moments.js';

export interface Random {
  uniform(): number;
  normal(): number;
  bernoulli(p: number): number;
}

export function seededRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    uniform: next,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    bernoulli: (p) => (next() < p ? 1 : 0),
  };
}

/** Moments over `names` of `count` observations drawn by `draw`. */
export function sampleMoments(names: readonly string[], count: number, draw: () => Observation): Moments {
  const m = createMoments(names);
  for (let i = 0; i < count; i++) addObservation(m, draw());
  return m;
}

/**
 * Share of `runs` simulated experiments whose interval covers `truth`. A run may return null (an estimator that is
 * undefined on that sample), which counts as not covering.
 */
export function coverage(runs: number, interval: (run: number) => { lower: number; upper: number } | null | undefined, truth: number): number {
  let covered = 0;
  for (let r = 0; r < runs; r++) {
    const ci = interval(r);
    if (ci && ci.lower <= truth && truth <= ci.upper) covered++;
  }
  return covered / runs;
}
