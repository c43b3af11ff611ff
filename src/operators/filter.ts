/** filter: keeps the records for which a user predicate `(value, info) => boolean` is true. */
import type { RecordInfo } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';
import type { Operator, OperatorType } from './operator.js';
import { userFunction } from './user-code.js';

export const filterOperator: OperatorType = {
  kind: 'filter',
  configSchema: { type: 'object', properties: { fn: { type: 'string' } }, required: ['fn'], additionalProperties: false },
  keyed: false,
  sidePorts: [],
  codeRefs: ['fn'],
  create(step: StepSpec): Operator {
    const predicate = userFunction<(v: unknown, info: RecordInfo) => boolean>(step, 'fn');
    return {
      onRecord: (value, ctx) => {
        if (predicate(value, ctx)) ctx.forward(value, ctx.timestamp);
      },
    };
  },
};
