/**
 * The JSON schema of a decision rules file: the inputs the rules read, named constants, what the model proposes
 * (action, threshold, initial offer) and the ordered rules. No unknown keys; defaults are filled in.
 */

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const SCALAR = { type: ['number', 'string', 'boolean'] };
/** Expressions are strings; YAML turns `1.5` or `true` into a number or boolean, which are accepted as written. */
const EXPRESSION = { type: ['string', 'number', 'boolean'] };

export const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    description: { type: 'string' },
    when: { ...EXPRESSION, default: 'true' },
    reject: { type: 'string', minLength: 1 },
    adjust: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        score: EXPRESSION,
        offer: { type: 'object', minProperties: 1, propertyNames: { pattern: NAME }, additionalProperties: EXPRESSION },
      },
    },
  },
} as const;

export const rulesFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inputs', 'decision', 'rules'],
  properties: {
    inputs: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: NAME } },
    constants: { type: 'object', default: {}, propertyNames: { pattern: NAME }, additionalProperties: SCALAR },
    decision: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: {
        action: { type: 'string', minLength: 1 },
        threshold: { type: 'number', default: 0 },
        offer: { type: 'object', default: {}, propertyNames: { pattern: NAME }, additionalProperties: SCALAR },
      },
    },
    rules: { type: 'array', items: ruleSchema },
  },
} as const;
