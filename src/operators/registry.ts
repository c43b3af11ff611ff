/** The one explicit list of operator types a step's `kind` (YAML `op`) can name. */
import { asyncOperator } from './async-step.js';
import { filterOperator } from './filter.js';
import { flatMapOperator } from './flat-map.js';
import { mapOperator } from './map.js';
import type { OperatorType } from './operator.js';
import { processOperator } from './process.js';
import { windowOperator } from './window-aggregate.js';

const operatorTypes: ReadonlyMap<string, OperatorType> = new Map(
  [mapOperator, filterOperator, flatMapOperator, windowOperator, processOperator, asyncOperator].map((t) => [t.kind, t]),
);

export function operatorType(kind: string): OperatorType | undefined {
  return operatorTypes.get(kind);
}

export function operatorKinds(): string[] {
  return [...operatorTypes.keys()];
}
