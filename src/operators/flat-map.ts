/** flatMap: one record in, zero or more out, through a user function returning an iterable. */
import type { RecordInfo } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';
import type { Operator, OperatorType } from './operator.js';
import { userFunction } from './user-code.js';

export const flatMapOperator: OperatorType = {
  kind: 'flatMap',
  configSchema: { type: 'object', properties: { fn: { type: 'string' } }, required: ['fn'], additionalProperties: false },
  keyed: false,
  sidePorts: [],
  codeRefs: ['fn'],
  create(step: StepSpec): Operator {
    const fn = userFunction<(v: unknown, info: RecordInfo) => Iterable<unknown>>(step, 'fn');
    return {
      onRecord: (value, ctx) => {
        for (const out of fn(value, ctx)) ctx.emit(out);
      },
    };
  },
};
