/**
 * Options of the expectations step (its `with:`): the report window (event time) and how long a report waits for
 * late records, the key its records arrive under, an optional readiness threshold on the latest report,
 * and the expectations, each with a
 * unique name, a level (`mustPass`: a failing record is dead-lettered naming the expectation; `warn`: counted and
 * passed on), the field it reads (a dotted path) and one check: notNull, type, range, pattern or allowed values.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { checkedStepOptions } from '../model/step-options.js';

export type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array';

export interface ExpectationSpec {
  name: string;
  level: 'mustPass' | 'warn';
  /** Absent for the record checks (unique, freshness). */
  field?: string;
  notNull?: true;
  type?: FieldType;
  range?: { min?: number; max?: number };
  pattern?: string;
  allowed?: Array<string | number | boolean>;
  unique?: { fields: string[]; within: number };
  freshness?: { max: number };
  drift?: { edges: number[]; reference: number[]; max: number };
}

export const CHECKS = ['notNull', 'type', 'range', 'pattern', 'allowed', 'unique', 'freshness', 'drift'] as const;
/** The checks that read the record as a whole rather than one field. */
const RECORD_CHECKS: ReadonlySet<string> = new Set(['unique', 'freshness']);

export interface ExpectationOptions {
  /** Report window in ms of event time. */
  window: number;
  /** How long after a window's end (event time) its report waits for late records. */
  allowedLateness: number;
  /** The one key the step's records arrive under (quality-step.ts). */
  key: string;
  /** When set, /readyz reports not ready while the latest window report breaks it. */
  readiness?: { minPassRate: number; drift: boolean };
  expectations: ExpectationSpec[];
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['expectations'],
  properties: {
    window: { duration: true, default: 60_000 },
    allowedLateness: { duration: true, default: 0 },
    key: { type: 'string', minLength: 1, default: 'quality' },
    readiness: {
      type: 'object',
      additionalProperties: false,
      required: ['minPassRate'],
      properties: { minPassRate: { type: 'number', minimum: 0, maximum: 1 }, drift: { type: 'boolean', default: false } },
    },
    expectations: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        minProperties: 2,
        maxProperties: 4,
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
          level: { enum: ['mustPass', 'warn'], default: 'warn' },
          field: { type: 'string', minLength: 1 },
          notNull: { const: true },
          type: { enum: ['string', 'number', 'boolean', 'object', 'array'] },
          range: { type: 'object', additionalProperties: false, minProperties: 1, properties: { min: { type: 'number' }, max: { type: 'number' } } },
          pattern: { type: 'string', minLength: 1 },
          allowed: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
          unique: {
            type: 'object',
            additionalProperties: false,
            required: ['fields', 'within'],
            properties: { fields: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1 } }, within: { duration: true } },
          },
          freshness: { type: 'object', additionalProperties: false, required: ['max'], properties: { max: { duration: true } } },
          drift: {
            type: 'object',
            additionalProperties: false,
            required: ['edges', 'reference', 'max'],
            properties: {
              edges: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'number' } },
              reference: { type: 'array', minItems: 2, maxItems: 101, items: { type: 'number', exclusiveMinimum: 0 } },
              max: { type: 'number', exclusiveMinimum: 0 },
            },
          },
        },
      },
    },
  },
} as const;

export function resolveExpectationOptions(options: unknown): ExpectationOptions {
  const resolved = checkedStepOptions<ExpectationOptions>(schema, options, 'expectations step', 'docs/identity.md');
  const names = new Set<string>();
  resolved.expectations.forEach((e, i) => {
    const fail = (what: string, hint: string): never => {
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `expectations step options: with.expectations[${i}] ('${e.name}') ${what}`,
        { path: `with.expectations[${i}]` },
        hint,
      );
    };
    if (names.has(e.name)) fail('reuses a name', 'name each expectation once: failures and dead letters are reported by name');
    names.add(e.name);
    const checks = CHECKS.filter((k) => k in e);
    if (checks.length !== 1)
      fail(
        `has ${checks.length === 0 ? 'no check' : `${checks.length} checks (${checks.join(', ')})`}`,
        `give each expectation exactly one of ${CHECKS.join(', ')}`,
      );
    const whole = RECORD_CHECKS.has(checks[0]!);
    if (whole && e.field !== undefined) fail(`has a field, which ${checks[0]} does not read`, `remove field: ${checks[0]} looks at the whole record`);
    if (!whole && e.field === undefined) fail('has no field', `name the field ${checks[0]} checks (a dotted path)`);
    if (e.drift) {
      const { edges, reference } = e.drift;
      if (e.level === 'mustPass') fail('is a drift check at level mustPass', 'drift describes a window, not a record: use level warn');
      if (edges.some((x, k) => k > 0 && x <= edges[k - 1]!)) fail('has drift edges that do not increase', 'list the bucket edges in increasing order');
      if (reference.length !== edges.length + 1)
        fail(
          `has ${reference.length} reference shares for ${edges.length + 1} buckets`,
          'give one share per bucket: below the first edge, between each pair, from the last edge on',
        );
      const total = reference.reduce((t, x) => t + x, 0);
      if (Math.abs(total - 1) > 1e-6) fail(`has reference shares adding up to ${total}`, 'the shares are a distribution: make them add up to 1');
    }
    if (e.pattern !== undefined) {
      try {
        new RegExp(e.pattern, 'u');
      } catch (err) {
        fail(`has a pattern that is not a regular expression: ${(err as Error).message}`, 'fix the pattern (JavaScript syntax, unicode mode)');
      }
    }
  });
  return resolved;
}
