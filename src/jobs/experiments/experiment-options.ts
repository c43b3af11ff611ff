/**
 * Options of the experiment processors (the `with:` of both topology steps; give both the same options, e.g. with a
 * YAML anchor), validated once against a JSON schema with defaults and resolved:
 *   experiments   what differs from the defaults, per experiment id. Exposures of an experiment not listed are tracked
 *                 with the defaults (experiment-arms.ts): the arms are the variants seen, the control is the variant
 *                 named `control`, else the first one seen, and the split is inferred from the counts. A listed one
 *                 may fix its control, its split over every arm (then the only arms, and the sample-ratio check's
 *                 expectation), the arm observational units (`randomized: false`) chose against control, and the
 *                 covariates it uses (its exposures need carry only those)
 *   covariates    the pre-exposure covariates, each with the center and scale the propensity model standardizes it
 *                 by; they are CUPED / difference-in-differences inputs and balance variables. An experiment that
 *                 does not list its own uses all of them
 *   metrics       the reported metrics: one of the per-user outcomes (user-outcomes.ts), with an optional
 *                 pre-exposure covariate (CUPED, DiD), an optional ratio of two outcomes, tau^2, and an optional
 *                 conversion window (only events within that time of the user's first exposure count; the metric
 *                 is then reported as `outcome@window` and is its own variable of the observation)
 *   emitInterval  event time between a user's contribution updates and between an experiment's reports
 *   cohort        the width of the exposure cohorts whose effects are reported separately (default one day)
 *   emit          what stage 2 emits at a report time: `changes` (report-changes.ts) or whole `reports`
 */
import { DURATION_FORMS, parsePositiveDuration } from '../../core/durations.js';
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { Correction } from './stats/multiple-testing.js';
import { DEFAULT_WEIGHTING, type WeightingConfig } from './stats/observational-arm.js';
import { USER_OUTCOMES, type UserOutcome } from './user-outcomes.js';

export interface ExperimentOptions {
  experiments?: Array<{ id: string; control?: string; split?: Record<string, number>; observationalArm?: string; covariates?: string[] }>;
  covariates?: Record<string, { center?: number; scale?: number }>;
  metrics: Array<{
    metric: UserOutcome;
    preExposure?: string;
    ratio?: { numerator: UserOutcome; denominator: UserOutcome };
    tau2?: number;
    window?: string | number;
  }>;
  emitInterval?: string | number;
  cohort?: string | number;
  alpha?: number;
  correction?: Correction;
  weighting?: Partial<WeightingConfig>;
  emit?: ReportEmission;
}

export type ReportEmission = 'changes' | 'reports';

/** What the options fix of one experiment; what they leave null comes from the exposures (experiment-arms.ts). */
export interface ExperimentSpec {
  id: string;
  /** The control arm, when declared (or implied by a declared split). */
  control: string | null;
  /** The declared split over every arm, or null: any variant is an arm, and the split is inferred. */
  split: Record<string, number> | null;
  /** The arm observational units compare with control, when declared (or implied by a declared split). */
  observationalArm: string | null;
  /** The covariates its exposures carry. */
  covariates: string[];
  /** The variables of a unit's observation, in storage order: outcomes, covariates, then the usage flag. */
  variables: string[];
}

export interface MetricSpec {
  metric: UserOutcome;
  /** The reported name and the observation's variable: the outcome, or `outcome@window` with a conversion window. */
  name: string;
  /** Conversion window (ms after the user's first exposure), when the metric has one. */
  window?: number;
  preExposure?: string;
  /** The ratio's variables (windowed like the metric). */
  ratio?: { numerator: string; denominator: string };
  tau2: number;
}

/** An outcome counted within a conversion window of `window` ms: one variable of the observation. */
export interface WindowedVariable {
  name: string;
  outcome: UserOutcome;
  window: number;
}

export interface ResolvedExperimentOptions {
  /** The declared experiments. */
  experiments: Map<string, ExperimentSpec>;
  /** The spec of any experiment: the declared one, or the defaults for one the options do not list. */
  specOf(id: string): ExperimentSpec;
  /** Every configured covariate (what an experiment that lists none uses). */
  covariates: string[];
  standardization: Record<string, { center: number; scale: number }>;
  metrics: MetricSpec[];
  /** The windowed outcomes the metrics read, which stage 1 counts beside the plain ones. */
  windowed: WindowedVariable[];
  emitInterval: number;
  cohort: number;
  alpha: number;
  correction: Correction;
  weighting: WeightingConfig;
  emit: ReportEmission;
}

/** The arm that is control by default: the variant of this name, else the first variant seen (experiment-arms.ts). */
export const DEFAULT_CONTROL = 'control';

/** The usage variable: 1 when the user actually experiences a non-control arm (the instrument's first stage). */
export const USAGE = 'treated';

const name = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' } as const;
const outcome = { type: 'string', enum: [...USER_OUTCOMES] } as const;
const duration = { type: ['string', 'number'] } as const;

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['metrics'],
  properties: {
    experiments: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: name,
          control: { type: 'string', minLength: 1 },
          split: { type: 'object', minProperties: 2, additionalProperties: { type: 'number', exclusiveMinimum: 0 } },
          observationalArm: { type: 'string', minLength: 1 },
          covariates: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
        },
      },
    },
    covariates: {
      type: 'object',
      default: {},
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { center: { type: 'number', default: 0 }, scale: { type: 'number', exclusiveMinimum: 0, default: 1 } },
      },
    },
    metrics: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['metric'],
        properties: {
          metric: outcome,
          preExposure: { type: 'string', minLength: 1 },
          ratio: {
            type: 'object',
            additionalProperties: false,
            required: ['numerator', 'denominator'],
            properties: { numerator: outcome, denominator: outcome },
          },
          tau2: { type: 'number', exclusiveMinimum: 0, default: 1 },
          window: duration,
        },
      },
    },
    emitInterval: { ...duration, default: '10s' },
    cohort: { ...duration, default: '1d' },
    alpha: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.05 },
    correction: { type: 'string', enum: ['holm', 'benjamini-hochberg'], default: 'holm' },
    emit: { type: 'string', enum: ['changes', 'reports'], default: 'changes' },
    weighting: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        estimand: { type: 'string', enum: ['ate', 'att'], default: DEFAULT_WEIGHTING.estimand },
        clip: {
          type: 'array',
          minItems: 2,
          maxItems: 2,
          items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          default: [...DEFAULT_WEIGHTING.clip],
        },
      },
    },
  },
} as const;

function invalid(message: string, path: string): never {
  throw new FlywheelError(ErrorCodes.CONFIG_INVALID, message, { path: `with.${path}` }, 'see the options of the experiment processors in docs/experiments.md');
}

function durationOf(value: unknown, path: string): number {
  return parsePositiveDuration(value) ?? invalid(`${JSON.stringify(value)} is not a positive duration: ${DURATION_FORMS}`, path);
}

/** The metrics with their variable names, and the windowed variables they need. */
function resolveMetrics(metrics: ExperimentOptions['metrics']): { metrics: MetricSpec[]; windowed: WindowedVariable[] } {
  const windowed = new Map<string, WindowedVariable>();
  const resolved = metrics.map((m, i): MetricSpec => {
    const { window: given, ratio, ...rest } = m;
    if (given === undefined) return { ...rest, name: m.metric, tau2: m.tau2 ?? 1, ...(ratio ? { ratio } : {}) };
    const window = durationOf(given, `metrics.${i}.window`);
    const suffix = typeof given === 'string' ? given : `${window}ms`;
    const variable = (outcome: UserOutcome): string => {
      const name = `${outcome}@${suffix}`;
      windowed.set(name, { name, outcome, window });
      return name;
    };
    return {
      ...rest,
      name: variable(m.metric),
      window,
      tau2: m.tau2 ?? 1,
      ...(ratio ? { ratio: { numerator: variable(ratio.numerator), denominator: variable(ratio.denominator) } } : {}),
    };
  });
  const names = resolved.map((m) => m.name);
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) invalid(`metric '${names[twice]}' is configured twice`, `metrics.${twice}`);
  return { metrics: resolved, windowed: [...windowed.values()] };
}

function resolveExperiment(
  x: NonNullable<ExperimentOptions['experiments']>[number],
  i: number,
  configured: readonly string[],
  variablesOf: (covariates: readonly string[]) => string[],
): ExperimentSpec {
  if (x.observationalArm !== undefined && x.observationalArm === x.control)
    invalid(`experiment '${x.id}': observationalArm '${x.observationalArm}' is the control arm`, `experiments.${i}.observationalArm`);
  const covariates = x.covariates ?? [...configured];
  const unknown = covariates.find((c) => !configured.includes(c));
  if (unknown !== undefined)
    invalid(
      `experiment '${x.id}': covariate '${unknown}' is not configured under with.covariates (${configured.join(', ') || 'none'})`,
      `experiments.${i}.covariates`,
    );
  const used = { covariates, variables: variablesOf(covariates) };
  if (!x.split) return { id: x.id, control: x.control ?? null, split: null, observationalArm: x.observationalArm ?? null, ...used };
  const arms = Object.keys(x.split);
  // With a declared split the arms are known, so the defaults apply to them once, here.
  const control = x.control ?? (arms.includes(DEFAULT_CONTROL) ? DEFAULT_CONTROL : arms[0]!);
  if (!arms.includes(control))
    invalid(`experiment '${x.id}': the control arm '${control}' has no split (arms: ${arms.join(', ')})`, `experiments.${i}.control`);
  const observationalArm = x.observationalArm ?? arms.find((a) => a !== control)!;
  if (!arms.includes(observationalArm))
    invalid(
      `experiment '${x.id}': observationalArm '${observationalArm}' must be a non-control arm of the split (${arms.join(', ')})`,
      `experiments.${i}.observationalArm`,
    );
  return { id: x.id, control, split: { ...x.split }, observationalArm, ...used };
}

export function resolveExperimentOptions(options: ExperimentOptions): ResolvedExperimentOptions {
  const o = structuredClone(options) as Required<ExperimentOptions> & {
    weighting: WeightingConfig;
    covariates: Record<string, { center: number; scale: number }>;
  };
  const problem = validateAgainst(optionsSchema, o);
  if (problem) invalid(problem.message, problem.path.join('.') || '(root)');
  const covariates = Object.keys(o.covariates);
  const { metrics, windowed } = resolveMetrics(o.metrics);
  const variablesOf = (used: readonly string[]): string[] => [...USER_OUTCOMES, ...windowed.map((w) => w.name), ...used, USAGE];
  const experiments = new Map<string, ExperimentSpec>();
  o.experiments.forEach((x, i) => {
    if (experiments.has(x.id)) invalid(`experiment id '${x.id}' is configured twice`, `experiments.${i}.id`);
    experiments.set(x.id, resolveExperiment(x, i, covariates, variablesOf));
  });
  // An experiment the options do not list: everything but the covariates comes from the exposures.
  const undeclared = (id: string): ExperimentSpec => ({
    id,
    control: null,
    split: null,
    observationalArm: null,
    covariates,
    variables: variablesOf(covariates),
  });
  const clash = covariates.find((c) => (USER_OUTCOMES as readonly string[]).includes(c) || c === USAGE);
  if (clash !== undefined) invalid(`covariate '${clash}' has the name of an outcome or of '${USAGE}'`, `covariates.${clash}`);
  o.metrics.forEach((m, i) => {
    if (m.preExposure !== undefined && !covariates.includes(m.preExposure))
      invalid(
        `metric '${m.metric}': preExposure '${m.preExposure}' is not a configured covariate (${covariates.join(', ') || 'none'})`,
        `metrics.${i}.preExposure`,
      );
  });
  const [low, high] = o.weighting.clip;
  if (!(low! < high!)) invalid(`propensity clip [${low}, ${high}] must have low < high`, 'weighting.clip');
  return {
    experiments,
    specOf: (id) => experiments.get(id) ?? undeclared(id),
    covariates,
    standardization: o.covariates,
    metrics,
    windowed,
    emitInterval: durationOf(o.emitInterval, 'emitInterval'),
    cohort: durationOf(o.cohort, 'cohort'),
    alpha: o.alpha,
    correction: o.correction,
    weighting: { estimand: o.weighting.estimand, clip: [low!, high!] },
    emit: o.emit,
  };
}
