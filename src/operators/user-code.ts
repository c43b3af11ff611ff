/** Reads the user code a step resolved at load (a function or a processor object), failing clearly when absent. */
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { StepSpec } from '../graph/model.js';

export function userFunction<F extends (...args: never[]) => unknown>(step: StepSpec, name: string): F {
  const fn = step.code[name];
  if (typeof fn !== 'function') {
    throw new FlywheelError(
      ErrorCodes.GRAPH_INVALID,
      `step needs a function for '${name}'`,
      { stepId: step.id, ...step.origin },
      `give '${name}' as a function (TypeScript) or as './file.js#export' (YAML)`,
    );
  }
  return fn as F;
}

export function userObject<T extends object>(step: StepSpec, name: string, requiredMethod: string): T {
  const obj = step.code[name];
  if (!obj || typeof obj !== 'object' || typeof (obj as Record<string, unknown>)[requiredMethod] !== 'function') {
    throw new FlywheelError(
      ErrorCodes.GRAPH_INVALID,
      `step needs an object with a '${requiredMethod}' method for '${name}'`,
      { stepId: step.id, ...step.origin },
      `export an object with ${requiredMethod}(value, ctx), or a factory function returning one`,
    );
  }
  return obj as T;
}
