/**
 * Options of the expectations step (its `with:`): the report window (event time), the key its records arrive under,
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
  field: string;
  notNull?: true;
  type?: FieldType;
  range?: { min?: number; max?: number };
  pattern?: string;
  allowed?: Array<string | number | boolean>;
}

export interface ExpectationOptions {
  /** Report window in ms of event time. */
  window: number;
  /** The one key the step's records arrive under (quality-step.ts). */
  key: string;
  expectations: ExpectationSpec[];
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['expectations'],
  properties: {
    window: { duration: true, default: 60_000 },
    key: { type: 'string', minLength: 1, default: 'quality' },
    expectations: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'field'],
        minProperties: 3,
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
      throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `expectations step options: with.expectations[${i}] ('${e.name}') ${what}`, { path: `with.expectations[${i}]` }, hint);
    };
    if (names.has(e.name)) fail('reuses a name', 'name each expectation once: failures and dead letters are reported by name');
    names.add(e.name);
    const checks = ['notNull', 'type', 'range', 'pattern', 'allowed'].filter((k) => k in e);
    if (checks.length !== 1) fail(`has ${checks.length === 0 ? 'no check' : `${checks.length} checks (${checks.join(', ')})`}`, 'give each expectation exactly one of notNull, type, range, pattern, allowed');
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
