/** map: one record in, one record out, through a user function `(value, info) => result`. Keeps the record's key. */
import type { RecordInfo } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';
import type { Operator, OperatorType } from './operator.js';
import { userFunction } from './user-code.js';

export const mapOperator: OperatorType = {
  kind: 'map',
  configSchema: { type: 'object', properties: { fn: { type: 'string' } }, required: ['fn'], additionalProperties: false },
  keyed: false,
  sidePorts: [],
  codeRefs: ['fn'],
  create(step: StepSpec): Operator {
    const fn = userFunction<(v: unknown, info: RecordInfo) => unknown>(step, 'fn');
    return { onRecord: (value, ctx) => ctx.forward(fn(value, ctx), ctx.timestamp) };
  },
};
