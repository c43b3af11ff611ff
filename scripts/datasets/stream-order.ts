/** The order units arrive in when a dataset is replayed: a seeded shuffle, so units come mixed, not all treated first. */
import { mulberry32 } from '../../src/core/seeded-random.js';

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
