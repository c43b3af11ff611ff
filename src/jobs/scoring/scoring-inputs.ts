/**
 * The inputs of a score as the query side reads them from the job's state: the user's latest feature-store
 * snapshot (the user feature step), an item's category and list price (the click model's item catalogue), and the
 * user's recent items (the label step). The named features are built by the same functions as in training.
 * Catalogue facts and the recently popular items change with the model's publications, so they are cached for the
 * model version in use (`useVersion`) and read again from LMDB after a newer version is published.
 */
import type { StateReader } from '../../state/reader.js';
import type { FeatureRecord } from '../features/entity-state.js';
import { clickFeatures, churnFeatures, type ItemFacts } from '../model/example-features.js';
import type { NamedFeatures } from '../model/feature-hashing.js';
import { LABEL_STATE, type UserLabelState } from '../model/label-state.js';
import { MODEL_STATE, type ItemEntry } from '../model/model-state.js';
import { profileOf, type UserProfile } from '../model/user-profile.js';
import type { ScoringOptions } from './scoring-options.js';

/** Most catalogue entries held per version; past it the cache starts over. */
const ITEM_CACHE_LIMIT = 200_000;

export class ScoringInputs {
  private version = -1;
  private readonly items = new Map<string, ItemFacts>();
  private popular: ReadonlyArray<readonly [string, number]> | null = null;

  constructor(
    private readonly state: StateReader,
    private readonly modelStep: string,
    private readonly steps: ScoringOptions['steps'],
  ) {}

  profile(userId: string): UserProfile | null {
    const record = this.state.value<FeatureRecord>(this.steps.userFeatures, userId, 'features');
    return record === undefined ? null : profileOf(record);
  }

  /** Drops what was cached for an older model version. */
  useVersion(version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.items.clear();
    this.popular = null;
  }

  /** An item's catalogue facts; unknown items score on their id alone. */
  item(itemId: string): ItemFacts {
    let facts = this.items.get(itemId);
    if (facts === undefined) {
      const entry = this.state.mapEntry<ItemEntry>(this.modelStep, 'click', MODEL_STATE.items, itemId);
      facts = { itemId, category: entry?.[0] ?? null, price: entry?.[1] ?? null };
      if (this.items.size >= ITEM_CACHE_LIMIT) this.items.clear();
      this.items.set(itemId, facts);
    }
    return facts;
  }

  /** The recently popular items of the click model's latest publication, most popular first. */
  popularItems(): ReadonlyArray<readonly [string, number]> {
    this.popular ??= this.state.value<Array<[string, number]>>(this.modelStep, 'click', MODEL_STATE.popular) ?? [];
    return this.popular;
  }

  recentItems(userId: string): string[] {
    return this.state.value<UserLabelState>(this.steps.labels, userId, LABEL_STATE.user)?.recentItems ?? [];
  }

  clickFeatures(userId: string, itemId: string, device: string | null, profile = this.profile(userId)): NamedFeatures {
    return clickFeatures(userId, this.item(itemId), device, profile);
  }

  churnFeatures(userId: string, device: string | null, profile = this.profile(userId)): NamedFeatures {
    const purchases = this.state.value<number[]>(this.steps.labels, userId, LABEL_STATE.purchases) ?? [];
    return churnFeatures(profile, device, purchases.length > 0);
  }
}
