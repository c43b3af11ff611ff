/**
 * Scores, recommendations and decisions computed from the job's state, shared by the HTTP routes and the stream
 * steps. Every answer names what it was computed from: the model version (with its example count and publication
 * time) and the time of the user's feature snapshot. A model with no published version yet is a QUERY error; a
 * request that does not name the model's inputs is a BAD_RECORD error; both carry a message saying what to do.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { StateReader } from '../../state/reader.js';
import { hashFeatures, type NamedFeatures } from '../model/feature-hashing.js';
import { scoreWith } from '../model/model-versions.js';
import { candidatesFor, type CandidateSource } from './candidates.js';
import { PublishedModels, type LoadedModel } from './published-models.js';
import { decide, type Decision } from './rules/decide.js';
import { ScoringInputs } from './scoring-inputs.js';
import type { ScoringOptions } from './scoring-options.js';

export type ModelName = 'click' | 'churn';

export interface ScoreRequest {
  model?: ModelName;
  userId?: string;
  itemId?: string;
  itemIds?: string[];
  device?: string;
  features?: NamedFeatures;
}

export interface DecideRequest {
  userId: string;
  context: Record<string, unknown>;
  model?: ModelName;
  itemId?: string;
  device?: string;
}

/** What an answer was computed from. */
export interface Provenance {
  model: ModelName;
  version: number;
  examples: number;
  /** Wall-clock time the version was published (ms since the epoch). */
  publishedAt: number;
  /** Event time of the user's feature snapshot used (features describe events before it); null without one. */
  featuresAsOf: number | null;
}

export interface ScoreAnswer extends Provenance {
  userId?: string;
  itemId?: string;
  score?: number;
  scores?: Array<{ itemId: string; score: number }>;
}

export interface RankedItem {
  itemId: string;
  source: CandidateSource;
  score: number;
}

export interface Recommendation extends Provenance {
  userId: string;
  candidates: number;
  items: RankedItem[];
}

export interface DecisionAnswer extends Provenance {
  userId: string;
  decision: Decision;
}

function badRequest(message: string): FlywheelError {
  return new FlywheelError(ErrorCodes.BAD_RECORD, message, {}, 'see the request formats in docs/model.md');
}

export class Scorer {
  private readonly models: PublishedModels;
  private readonly inputs: ScoringInputs;

  constructor(
    private readonly state: StateReader,
    modelStep: string,
    private readonly options: ScoringOptions,
  ) {
    this.models = new PublishedModels(state, modelStep);
    this.inputs = new ScoringInputs(state, modelStep, options.steps);
  }

  /** The model's latest version; catalogue facts are cached per click model version. */
  private latest(model: ModelName): LoadedModel {
    const m = this.models.latest(model);
    if (model === 'click') this.inputs.useVersion(m.info.version);
    return m;
  }

  score(request: ScoreRequest): ScoreAnswer {
    const { model = 'click', userId, itemId, itemIds, device = null, features } = request;
    const m = this.latest(model);
    if (features) return { ...provenance(m, model, null), score: scoreOf(m, features) };
    if (userId === undefined) throw badRequest('the request needs userId (with itemId or itemIds for the click model), or explicit features');
    const profile = this.inputs.profile(userId);
    const asOf = profile?.asOf ?? null;
    if (model === 'churn') return { ...provenance(m, model, asOf), userId, score: scoreOf(m, this.inputs.churnFeatures(userId, device, profile)) };
    const items = itemIds ?? (itemId !== undefined ? [itemId] : null);
    if (items === null) throw badRequest('the click model scores a user on items: give itemId or itemIds');
    const scores = items.map((i) => ({ itemId: i, score: scoreOf(m, this.inputs.clickFeatures(userId, i, device, profile)) }));
    return { ...provenance(m, model, asOf), userId, ...(itemIds ? { scores } : { itemId, score: scores[0]!.score }) };
  }

  /** The top `k` candidates for the user, ranked by the click model (ties by item id). */
  recommend(userId: string, k: number, device: string | null): Recommendation {
    const m = this.latest('click');
    const profile = this.inputs.profile(userId);
    const candidates = candidatesFor(this.state, this.options, this.inputs.recentItems(userId), this.inputs.popularItems());
    const ranked = [...candidates].map(([itemId, source]) => ({
      itemId,
      source,
      score: scoreOf(m, this.inputs.clickFeatures(userId, itemId, device, profile)),
    }));
    ranked.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    return { ...provenance(m, 'click', profile?.asOf ?? null), userId, candidates: candidates.size, items: ranked.slice(0, k) };
  }

  /** The model proposes (its score), the rules constrain; the decision lists the rules that fired. */
  decide(request: DecideRequest): DecisionAnswer {
    const { userId, context, model = 'churn', itemId, device = null } = request;
    if (this.options.rules === null) throw badRequest('this step has no decision rules: set serve.rules to a rules file');
    if (model === 'click' && itemId === undefined) throw badRequest('a decision on the click model needs itemId');
    const m = this.latest(model);
    const profile = this.inputs.profile(userId);
    const features = model === 'churn' ? this.inputs.churnFeatures(userId, device, profile) : this.inputs.clickFeatures(userId, itemId!, device, profile);
    return { ...provenance(m, model, profile?.asOf ?? null), userId, decision: decide(this.options.rules, context, scoreOf(m, features)) };
  }
}

function scoreOf(m: LoadedModel, features: NamedFeatures): number {
  return scoreWith(m.weights, hashFeatures(features, m.hashing));
}

function provenance(m: LoadedModel, model: ModelName, featuresAsOf: number | null): Provenance {
  return { model, version: m.info.version, examples: m.info.examples, publishedAt: m.info.publishedAt, featuresAsOf };
}
