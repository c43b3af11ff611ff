/**
 * The learned models a worker thread keeps in memory between batches. LMDB holds the truth (the `weights` map and
 * the `progress` count); a cached model (its `examples` count grows as it learns) is used only while that count equals the stored one, which proves no
 * other thread learned since. Otherwise it is rebuilt from the stored coordinates. With slots pinned to threads the
 * model slot always finds its cache; with any placement a batch that lands on another thread reloads.
 */
import type { MapState } from '../../api/types.js';
import { claimSlot } from './coordinate-store.js';
import { createFtrl, type FtrlModel, type FtrlParams } from './ftrl.js';

export class ModelCache {
  private readonly models = new Map<string, FtrlModel>();
  /** Rebuilds from LMDB, counted for tests and benchmarks. */
  reloads = 0;

  /** The model of `name` as stored: the cached one when still current, else rebuilt from `weights`. */
  model(name: string, storedExamples: number, params: FtrlParams, weights: MapState<[number, number]>): FtrlModel {
    const cached = this.models.get(name);
    if (cached && cached.examples === storedExamples) return cached;
    this.reloads++;
    const model = createFtrl(params);
    for (const [coord, [z, n]] of weights.entries()) {
      const s = claimSlot(model.coords, parseInt(coord, 36));
      model.coords.z[s] = z;
      model.coords.n[s] = n;
    }
    model.examples = storedExamples;
    this.models.set(name, model);
    return model;
  }
}
