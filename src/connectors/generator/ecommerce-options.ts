/**
 * The options of the e-commerce generator: their JSON schema (defaults, no unknown keys), their types, and the
 * resolution of partial options (defaults filled in, experiments checked) for code that builds the generator or its
 * truth without going through a topology.
 */
import { validateAgainst } from '../../graph/schema-validator.js';
import { FAULT_KINDS, faultOptionsSchema, type FaultOptions } from './ecommerce-faults.js';
import { identityOptionsSchema, type IdentityOptions } from './ecommerce-identity.js';
import { ErrorCodes, FlywheelError, type ErrorPlace } from '../../core/errors.js';

export interface VariantOption {
  name: string;
  /** Share of users assigned to (randomized) or choosing (observational) this variant, relative to the others. */
  weight: number;
  /** Shift of the click log-odds for users who use this variant. */
  clickEffect: number;
  /** Shift of the purchase-given-cart log-odds for users who use this variant. */
  conversionEffect: number;
  /** Relative change of the price paid per purchase for users who use this variant (0.1: they pay 10% more). */
  revenueEffect: number;
}

export interface ExperimentOption {
  id: string;
  /** The first variant is the control. An observational experiment has exactly two: control and treatment. */
  variants: VariantOption[];
  /** True: assignment is random. False: users choose the treatment with a probability that depends on covariates. */
  randomized: boolean;
  /** Randomized only: share of users assigned a non-control variant who actually use it (the rest see control). */
  compliance: number;
  /** Observational only: scale of how strongly the covariates drive self-selection (0: none, like randomized). */
  confounding: number;
}

export interface EcommerceOptions {
  seed: number;
  users: number;
  items: number;
  categories: number;
  /** Shards; user u belongs to shard u % partitions. */
  partitions: number;
  /** Total records over all partitions; absent: unbounded. */
  count?: number;
  /** Records per second of wall-clock time over all partitions; 0: as fast as possible. */
  rate: number;
  /** Good events per second of event time over all partitions. */
  eventsPerSecondOfEventTime: number;
  /** Event time of the first event in ms, or `now`: the wall clock when the source opens (on a restart, minus the event time of the records already read, so it resumes at the clock). */
  startTime: number | 'now';
  /** Most ms an event's ts may lag behind the largest ts its shard emitted before it. */
  outOfOrderness: number;
  /** Share of events delivered after events at least `lateBy` ms newer than them. */
  lateFraction: number;
  lateBy: number;
  /** Share of records that are malformed (undecodable, missing userId or ts, wrong types). */
  badFraction: number;
  experiments: ExperimentOption[];
  /** Persons with several devices, cookies, accounts and phones (ecommerce-identity.ts); absent: one id per user. */
  identity?: IdentityOptions;
  /** Share of good events carrying each data fault (ecommerce-faults.ts); absent: none. */
  faults?: FaultOptions;
}

export const DEFAULT_START_TIME = 1_767_225_600_000;

const positive = { type: 'integer', minimum: 1 };
const fraction = { type: 'number', minimum: 0, maximum: 1, default: 0 };

const variantSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    weight: { type: 'number', exclusiveMinimum: 0, default: 1 },
    clickEffect: { type: 'number', default: 0 },
    conversionEffect: { type: 'number', default: 0 },
    revenueEffect: { type: 'number', exclusiveMinimum: -1, default: 0 },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const ecommerceOptionsSchema = {
  type: 'object',
  properties: {
    seed: { type: 'integer', default: 1 },
    users: { ...positive, default: 10_000 },
    items: { ...positive, default: 2_000 },
    categories: { ...positive, default: 20 },
    partitions: { ...positive, default: 4 },
    count: positive,
    rate: { type: 'number', minimum: 0, default: 0 },
    eventsPerSecondOfEventTime: { type: 'number', exclusiveMinimum: 0, default: 1000 },
    startTime: { anyOf: [{ type: 'integer' }, { const: 'now' }], default: DEFAULT_START_TIME },
    outOfOrderness: { type: 'integer', minimum: 0, default: 0 },
    lateFraction: fraction,
    lateBy: { type: 'integer', minimum: 0, default: 600_000 },
    badFraction: { ...fraction, maximum: 0.5 },
    identity: identityOptionsSchema,
    faults: faultOptionsSchema,
    experiments: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', minLength: 1 },
          randomized: { type: 'boolean', default: true },
          compliance: { type: 'number', minimum: 0, maximum: 1, default: 1 },
          confounding: { type: 'number', minimum: 0, default: 1 },
          variants: { type: 'array', minItems: 2, maxItems: 255, items: variantSchema },
        },
        required: ['id', 'variants'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/**
 * What a schema cannot say: every shard has users, the fault shares add up to at most 1, experiment ids and variant
 * names are unique, an observational experiment has two arms.
 */
export function checkOptions(options: EcommerceOptions, place: ErrorPlace): void {
  if (options.users < options.partitions) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `generator options: ${options.users} users cannot fill ${options.partitions} partitions`,
      place,
      'use at least as many users as partitions',
    );
  }
  if (options.faults) {
    const total = FAULT_KINDS.reduce((t, k) => t + options.faults![k], 0);
    if (total > 1)
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `generator options: the fault shares add up to ${total}, more than 1`,
        place,
        'lower the shares under faults so they add up to at most 1',
      );
  }
  const ids = new Set<string>();
  options.experiments.forEach((x, e) => {
    const fail = (what: string, hint: string): never => {
      throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `experiments[${e}] ('${x.id}'): ${what}`, place, hint);
    };
    if (ids.has(x.id)) fail('the id is used twice', 'give each experiment its own id');
    ids.add(x.id);
    if (new Set(x.variants.map((v) => v.name)).size !== x.variants.length) fail('two variants share a name', 'name each variant once');
    if (!x.randomized && x.variants.length !== 2)
      fail(`an observational experiment needs exactly two variants, got ${x.variants.length}`, 'list the control first, then the treatment users choose');
  });
}

/** Fills defaults into a copy of partial options and checks them; throws CONFIG_INVALID naming the bad path. */
export function resolveEcommerceOptions(options: Partial<EcommerceOptions>, place: ErrorPlace = {}): EcommerceOptions {
  const resolved = structuredClone(options) as EcommerceOptions;
  const problem = validateAgainst(ecommerceOptionsSchema, resolved);
  if (problem)
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `generator options${problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${problem.message}`,
      place,
      'fix the option; the schema is ecommerceOptionsSchema in src/connectors/generator/ecommerce-options.ts',
    );
  checkOptions(resolved, place);
  return resolved;
}

/** The event time of the first event: the configured instant, or the wall clock for `now`. */
export function startTimeOf(options: Pick<EcommerceOptions, 'startTime'>): number {
  return options.startTime === 'now' ? Date.now() : options.startTime;
}
