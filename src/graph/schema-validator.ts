/**
 * The one ajv instance that validates topology parts against their JSON schemas: defaults applied, no type
 * coercion, and a `duration` keyword that accepts `5s`-style strings and replaces them with milliseconds
 * (`duration: true`, up to 3650 days, or `duration: <max ms>` for a tighter bound such as a timer's).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DURATION_FORMS, formatDuration, parseDuration } from '../core/durations.js';

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, allowUnionTypes: true });

ajv.addKeyword({
  keyword: 'duration',
  modifying: true,
  schemaType: ['boolean', 'number'],
  errors: true,
  validate: function validateDuration(
    this: unknown,
    schema: boolean | number,
    data: unknown,
    _parent?: unknown,
    ctx?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
  ) {
    const ms = parseDuration(data);
    const max = typeof schema === 'number' ? schema : undefined;
    if (ms === undefined || (max !== undefined && ms > max)) {
      const message = ms === undefined ? `must be a duration: ${DURATION_FORMS}` : `must be at most ${formatDuration(max!)} (${max} ms)`;
      (validateDuration as unknown as { errors: Partial<ErrorObject>[] }).errors = [{ keyword: 'duration', message, params: {} }];
      return false;
    }
    if (ctx) ctx.parentData[ctx.parentDataProperty] = ms;
    return true;
  },
});

const compiled = new WeakMap<object, ValidateFunction>();

export interface SchemaProblem {
  /** Path below the validated value, as segments. */
  path: Array<string | number>;
  message: string;
}

/** Validates (and fills defaults into) `data`; returns the first problem, or null. */
export function validateAgainst(schema: object, data: unknown): SchemaProblem | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(data)) return null;
  const err = validate.errors![0]!;
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  return { path, message: describeError(err) };
}

/** Validates (and fills defaults into) `data` against a TypeBox schema, which then types it; else throws `error(problem)`. */
export function assertMatches<T extends TSchema>(schema: T, data: unknown, error: (problem: SchemaProblem) => Error): asserts data is Static<T> {
  const problem = validateAgainst(schema, data);
  if (problem) throw error(problem);
}

function describeError(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return `unknown key '${String(err.params.additionalProperty)}'`;
    case 'required':
      return `missing required key '${String(err.params.missingProperty)}'`;
    case 'const':
      return `must be ${JSON.stringify(err.params.allowedValue)} with the other settings given here`;
    case 'enum':
      return `must be one of: ${(err.params.allowedValues as unknown[]).map(String).join(', ')}`;
    default:
      return err.message ?? 'is not valid';
  }
}
