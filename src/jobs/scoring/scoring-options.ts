/**
 * Options of the scoring routes (the `serve:` section of the model step's options) and of the stream scoring steps
 * (their `with:`): which steps hold the inputs, how many recommendation candidates are gathered, and the decision
 * rules file (loaded and compiled at start-up, so malformed rules stop the job before any data is touched).
 */
import { resolve } from 'node:path';
import { checkedStepOptions } from '../model/step-options.js';
import { loadRulesFile, type RuleSet } from './rules/rules-loader.js';

export interface ScoringOptions {
  /**
   * Step ids of the label, user feature and co-visit steps, and of the model step (which stream steps read; the
   * routes are served by the model step itself).
   */
  steps: { labels: string; userFeatures: string; covisits: string; model: string };
  /** Recently popular items among the candidates. */
  popularCandidates: number;
  /** Co-visited items taken per recent item of the user. */
  covisitsPerItem: number;
  /** Most candidates ranked per recommendation. */
  maxCandidates: number;
  /** Most items one recommendation may return. */
  maxK: number;
  /** Most items scored in one POST /score. */
  maxBatch: number;
  /** The decision rules, when POST /decide is served. */
  rules: RuleSet | null;
}

const stepId = { type: 'string', minLength: 1 } as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    steps: {
      type: 'object',
      additionalProperties: false,
      properties: {
        labels: { ...stepId, default: 'labels' },
        userFeatures: { ...stepId, default: 'user-features' },
        covisits: { ...stepId, default: 'covisits' },
        model: { ...stepId, default: 'model' },
      },
      default: {},
    },
    popularCandidates: { type: 'integer', minimum: 0, maximum: 10_000, default: 300 },
    covisitsPerItem: { type: 'integer', minimum: 0, maximum: 1000, default: 20 },
    maxCandidates: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 },
    maxK: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    maxBatch: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 },
    rules: { type: 'string', minLength: 1, description: 'decision rules file, relative to the working directory' },
  },
} as const;

type RawOptions = Omit<ScoringOptions, 'rules'> & { rules?: string };

export function resolveScoringOptions(options: unknown): ScoringOptions {
  const raw = checkedStepOptions<RawOptions>(schema, options, 'scoring (serve)');
  return { ...raw, rules: raw.rules === undefined ? null : loadRulesFile(resolve(raw.rules)) };
}
