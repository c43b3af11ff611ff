/**
 * Waits until the lookup job has stored features for 90% of its users (u0..u<users-1>) and returns the ids that have
 * them: what the serving benchmarks draw their lookups from.
 */
import type { StateReader } from '../../src/state/reader.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function usersWithFeatures(state: StateReader, users: number, pollMs = 1000): Promise<string[]> {
  const all = Array.from({ length: users }, (_, u) => `u${u}`);
  let ids: string[] = [];
  while (ids.length < 0.9 * users) {
    await sleep(pollMs);
    ids = all.filter((id) => state.value('user-features', id, 'features') !== undefined);
  }
  return ids;
}
