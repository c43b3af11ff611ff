/**
 * Options of the rollout step (its `with:`), validated once against a JSON schema with defaults and resolved:
 *   rollouts   per rollout: its id (the experiment id its exposures carry), the control and treatment arms, the
 *              schedule of treated shares in percent (strictly increasing, each in (0, 100]), the guardrail metrics
 *              (a metric of the experiments step's report, the direction that is good, the harm margin in the
 *              metric's units, tau^2 of the always-valid test), alpha (shared by the guardrails: each gets
 *              alpha / their number) and the minimum number of new units per arm a stage must gather
 *   experimentStep  the id of the experiments step whose reports (its `report` state) the rollouts are judged on
 *   lookEvery  event time between two looks at a rollout's report (the experiments step's emitInterval)
 *   commands   the command log the POST routes append operator actions to, relative to the working directory; the
 *              topology reads the same file with a file source (`follow: true`) into the rollout step
 * An error names the option's path under `with`, which the YAML loader turns into file, YAML path and line.
 */
import { DURATION_FORMS, parsePositiveDuration } from '../../core/durations.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { validateAgainst } from '../../graph/schema-validator.js';

export type GuardrailDirection = 'increase' | 'decrease';

export interface GuardrailOptions {
  metric: string;
  direction: GuardrailDirection;
  margin?: number;
  tau2?: number;
}

export interface RolloutOptions {
  rollouts: Array<{
    id: string;
    control?: string;
    treatment?: string;
    schedule: number[];
    guardrails: GuardrailOptions[];
    alpha?: number;
    minSamplePerArm?: number;
  }>;
  experimentStep: string;
  lookEvery?: string | number;
  commands?: string;
}

export interface GuardrailSpec {
  metric: string;
  /** The direction in which the metric is better: `increase` (conversion, revenue) or `decrease` (errors, latency). */
  direction: GuardrailDirection;
  /** The harm tolerated, in the metric's units: a stage advances once the interval excludes effects worse than it. */
  margin: number;
  tau2: number;
  /** This guardrail's level: the rollout's alpha over the number of guardrails (Bonferroni). */
  alpha: number;
}

export interface RolloutSpec {
  id: string;
  control: string;
  treatment: string;
  /** Treated shares in percent, strictly increasing. */
  schedule: number[];
  guardrails: GuardrailSpec[];
  alpha: number;
  minSamplePerArm: number;
}

export interface ResolvedRolloutOptions {
  rollouts: Map<string, RolloutSpec>;
  experimentStep: string;
  /** Event time between two looks (ms). */
  lookEvery: number;
  /** The command log's path as given (relative to the working directory), or null: no manual actions. */
  commands: string | null;
}

const idSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' } as const;

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rollouts', 'experimentStep'],
  properties: {
    rollouts: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'schedule', 'guardrails'],
        properties: {
          id: idSchema,
          control: { type: 'string', minLength: 1, default: 'control' },
          treatment: { type: 'string', minLength: 1, default: 'treatment' },
          schedule: { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0, maximum: 100 } },
          guardrails: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['metric', 'direction'],
              properties: {
                metric: { type: 'string', minLength: 1 },
                direction: { type: 'string', enum: ['increase', 'decrease'] },
                margin: { type: 'number', minimum: 0, default: 0 },
                tau2: { type: 'number', exclusiveMinimum: 0, default: 1 },
              },
            },
          },
          alpha: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.05 },
          minSamplePerArm: { type: 'integer', minimum: 1, default: 1000 },
        },
      },
    },
    experimentStep: { type: 'string', minLength: 1 },
    lookEvery: { type: ['string', 'number'], default: '10s' },
    commands: { type: 'string', minLength: 1 },
  },
} as const;

function invalid(message: string, path: string): never {
  throw new FlywheelError(ErrorCodes.CONFIG_INVALID, message, { path: `with.${path}` }, 'see the options of the rollout step in docs/rollouts.md');
}

type Given = Required<Omit<RolloutOptions['rollouts'][number], 'guardrails'>> & { guardrails: Array<Required<GuardrailOptions>> };

function resolveRollout(r: Given, i: number): RolloutSpec {
  if (r.control === r.treatment) invalid(`rollout '${r.id}': control and treatment are both '${r.control}'`, `rollouts.${i}.treatment`);
  r.schedule.forEach((share, s) => {
    if (s > 0 && share <= r.schedule[s - 1]!)
      invalid(`rollout '${r.id}': the schedule must increase, but ${share}% follows ${r.schedule[s - 1]}%`, `rollouts.${i}.schedule.${s}`);
  });
  const metrics = r.guardrails.map((g) => g.metric);
  const twice = metrics.findIndex((m, g) => metrics.indexOf(m) !== g);
  if (twice >= 0) invalid(`rollout '${r.id}': guardrail metric '${metrics[twice]}' is listed twice`, `rollouts.${i}.guardrails.${twice}.metric`);
  const alpha = r.alpha / r.guardrails.length;
  return {
    id: r.id,
    control: r.control,
    treatment: r.treatment,
    schedule: [...r.schedule],
    guardrails: r.guardrails.map((g) => ({ metric: g.metric, direction: g.direction, margin: g.margin, tau2: g.tau2, alpha })),
    alpha: r.alpha,
    minSamplePerArm: r.minSamplePerArm,
  };
}

export function resolveRolloutOptions(options: RolloutOptions): ResolvedRolloutOptions {
  const o = structuredClone(options) as { rollouts: Given[]; experimentStep: string; lookEvery: string | number; commands?: string };
  const problem = validateAgainst(optionsSchema, o);
  if (problem) invalid(problem.message, problem.path.join('.') || '(root)');
  const rollouts = new Map<string, RolloutSpec>();
  o.rollouts.forEach((r, i) => {
    if (rollouts.has(r.id)) invalid(`rollout id '${r.id}' is configured twice`, `rollouts.${i}.id`);
    rollouts.set(r.id, resolveRollout(r, i));
  });
  const lookEvery = parsePositiveDuration(o.lookEvery) ?? invalid(`${JSON.stringify(o.lookEvery)} is not a positive duration: ${DURATION_FORMS}`, 'lookEvery');
  return { rollouts, experimentStep: o.experimentStep, lookEvery, commands: o.commands ?? null };
}
