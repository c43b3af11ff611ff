/**
 * The baseline of the serving benchmark: the same scoring work in plain Node, over in-memory copies of what the
 * Flywheel routes read from LMDB (one published version's weights, the users' latest profiles, the item catalogue):
 * a node:http server answering POST /score, and a function ranking a candidate list for recommendations.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clickFeatures, type ItemFacts } from '../../src/jobs/model/example-features.js';
import { hashFeatures, type HashingSpec } from '../../src/jobs/model/feature-hashing.js';
import { sigmoid } from '../../src/jobs/model/logistic.js';
import type { UserProfile } from '../../src/jobs/model/user-profile.js';

export interface PlainInputs {
  weights: Map<number, number>;
  hashing: HashingSpec;
  profiles: Map<string, UserProfile>;
  items: Map<string, ItemFacts>;
}

export function plainScore(inputs: PlainInputs, userId: string, itemId: string): number {
  const item = inputs.items.get(itemId) ?? { itemId, category: null, price: null };
  const { indices, values } = hashFeatures(clickFeatures(userId, item, null, inputs.profiles.get(userId) ?? null), inputs.hashing);
  let margin = 0;
  for (let j = 0; j < indices.length; j++) margin += (inputs.weights.get(indices[j]!) ?? 0) * values[j]!;
  return sigmoid(margin);
}

export function plainRecommend(inputs: PlainInputs, userId: string, candidates: readonly string[], k: number): Array<{ itemId: string; score: number }> {
  return candidates
    .map((itemId) => ({ itemId, score: plainScore(inputs, userId, itemId) }))
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1))
    .slice(0, k);
}

/** Starts the plain POST /score server on a free loopback port. */
export function startPlainScorer(inputs: PlainInputs): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const { userId, itemId } = JSON.parse(body) as { userId: string; itemId: string };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ userId, itemId, score: plainScore(inputs, userId, itemId) }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}
