/**
 * Precision and recall of "same person" over all pairs of identifiers, from each identifier's predicted component
 * and true person, counted through the contingency table (pairs in a cell, a component, a person: n(n-1)/2 each)
 * instead of enumerating the pairs.
 */
export interface PairScores {
  truePairs: number;
  predictedPairs: number;
  bothPairs: number;
  precision: number;
  recall: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

function tally<K>(keys: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** `labelled`: one [component, person] per identifier. */
export function pairScores(labelled: ReadonlyArray<readonly [string, number]>): PairScores {
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((t, n) => t + pairs(n), 0);
  const predictedPairs = sum(tally(labelled.map(([c]) => c)));
  const truePairs = sum(tally(labelled.map(([, p]) => p)));
  const bothPairs = sum(tally(labelled.map(([c, p]) => `${c}\u0000${p}`)));
  return {
    truePairs,
    predictedPairs,
    bothPairs,
    precision: predictedPairs === 0 ? 1 : bothPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : bothPairs / truePairs,
  };
}
