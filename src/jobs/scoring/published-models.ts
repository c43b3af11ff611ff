/**
 * What scorers hold of the published model versions: per model the weights of the latest version the model step
 * published, as a coordinate table. Each lookup reads only the small `head` record from LMDB; the weights are
 * re-read and rebuilt when the head names a newer version. So a score uses the newest version committed before the
 * request (at most `publishEvery` examples or `publishInterval` of event time behind what the model has learned).
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { StateReader } from '../../state/reader.js';
import type { HashingSpec } from '../model/feature-hashing.js';
import { MODEL_STATE, type PublishedModel, type VersionInfo } from '../model/model-state.js';
import { scoringWeights, type ScoringWeights } from '../model/model-versions.js';

export interface LoadedModel {
  weights: ScoringWeights;
  hashing: HashingSpec;
  info: VersionInfo;
}

export class PublishedModels {
  private readonly loaded = new Map<string, LoadedModel>();

  constructor(
    private readonly state: StateReader,
    private readonly modelStep: string,
  ) {}

  /** The latest published version of `model`; QUERY error (503) while none is published yet. */
  latest(model: string): LoadedModel {
    const head = this.state.value<VersionInfo>(this.modelStep, model, MODEL_STATE.head);
    if (head === undefined) {
      throw new FlywheelError(
        ErrorCodes.QUERY,
        `model '${model}' has no published version yet`,
        { stepId: this.modelStep },
        'wait until the model step has learned its first examples (see GET /models)',
      );
    }
    const held = this.loaded.get(model);
    if (held && held.info.version === head.version) return held;
    const published = this.state.value<PublishedModel>(this.modelStep, model, MODEL_STATE.published)!;
    const fresh: LoadedModel = { weights: scoringWeights(published), hashing: published.hashing, info: head };
    this.loaded.set(model, fresh);
    return fresh;
  }
}
