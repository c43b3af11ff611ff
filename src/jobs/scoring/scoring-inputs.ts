/**
 * The inputs of a score as the query side reads them from the job's state: the user's latest feature-store
 * snapshot (the user feature step), an item's category and list price (the click model's item catalogue), and the
 * user's recent items (the label step). The named features are built by the same functions as in training.
 */
import type { StateReader } from '../../state/reader.js';
import type { FeatureRecord } from '../features/entity-state.js';
import { clickFeatures, churnFeatures, type ItemFacts } from '../model/example-features.js';
import type { NamedFeatures } from '../model/feature-hashing.js';
import { LABEL_STATE, type UserLabelState } from '../model/label-state.js';
import { MODEL_STATE, type ItemEntry } from '../model/model-state.js';
import { profileOf, type UserProfile } from '../model/user-profile.js';
import type { ScoringOptions } from './scoring-options.js';

export class ScoringInputs {
  constructor(
    private readonly state: StateReader,
    private readonly modelStep: string,
    private readonly steps: ScoringOptions['steps'],
  ) {}

  profile(userId: string): UserProfile | null {
    const record = this.state.value<FeatureRecord>(this.steps.userFeatures, userId, 'features');
    return record === undefined ? null : profileOf(record);
  }

  /** An item's catalogue facts; unknown items score on their id alone. */
  item(itemId: string): ItemFacts {
    const entry = this.state.mapEntry<ItemEntry>(this.modelStep, 'click', MODEL_STATE.items, itemId);
    return { itemId, category: entry?.[0] ?? null, price: entry?.[1] ?? null };
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
