/**
 * Validation of a model-side step's `with:` options against its JSON schema (defaults filled in, durations turned
 * into ms, no unknown keys): a problem stops start-up with CONFIG_INVALID naming the option's path.
 */
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

/** A copy of `options` checked against `schema`, with defaults and durations resolved. */
export function checkedStepOptions<T>(schema: object, options: unknown, what: string, docs = 'docs/model.md'): T {
  const copy = structuredClone(options ?? {}) as T;
  const problem = validateAgainst(schema, copy);
  if (problem) {
    const path = `with${problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
    throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `${what} options: ${path} ${problem.message}`, { path }, `see the options in ${docs}`);
  }
  return copy;
}
