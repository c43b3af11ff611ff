/** process: a keyed process function with state and event-time timers (Flink's KeyedProcessFunction). */
import type { KeyedProcessor } from '../api/types.js';
import type { StepSpec } from '../graph/model.js';
import type { Operator, OperatorType } from './operator.js';
import { userObject } from './user-code.js';

export const processOperator: OperatorType = {
  kind: 'process',
  configSchema: {
    type: 'object',
    properties: {
      processor: { type: 'string', description: "'./file.js#export': a processor object, or a factory called with `with`" },
      with: { type: 'object', description: 'options passed to a processor factory' },
    },
    required: ['processor'],
    additionalProperties: false,
  },
  keyed: true,
  sidePorts: [],
  codeRefs: ['processor'],
  create(step: StepSpec): Operator {
    const processor = userObject<KeyedProcessor<unknown, unknown>>(step, 'processor', 'onRecord');
    const onTimer = processor.onTimer?.bind(processor);
    return {
      onRecord: (value, ctx) => processor.onRecord(value, ctx),
      ...(onTimer ? { onTimer: (timer, ctx) => onTimer(timer, ctx) } : {}),
    };
  },
};
