/**
 * Validates a connector's options against its type's schema before the job touches any data, filling defaults.
 * A YAML topology was already checked at load; a TypeScript job's connector specs are checked here, so both get the
 * same defaults and the same clear error naming the step.
 */
import type { SinkType, SourceType } from '../connectors/connector.js';
import { validateAgainst } from '../graph/schema-validator.js';
import type { ConnectorSpec, StepSpec } from '../graph/model.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

export function checkedOptions(step: StepSpec, spec: ConnectorSpec, type: SourceType | SinkType | undefined): Record<string, unknown> {
  if (!type) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `unknown ${step.kind} connector type '${spec.type}'`,
      { stepId: step.id, ...(step.origin ?? {}) },
      'use a registered connector type (see docs/topology.md)',
    );
  }
  const options = structuredClone(spec.options);
  const problem = validateAgainst(type.optionsSchema, options);
  if (problem) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `${spec.type} connector options${problem.path.length ? ` at ${problem.path.join('.')}` : ''}: ${problem.message}`,
      { stepId: step.id, ...(step.origin ?? {}) },
      `see the options of the ${spec.type} connector in docs/topology.md`,
    );
  }
  return options;
}
