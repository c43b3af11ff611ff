/**
 * The JSON schema of a decision rules file: the inputs the rules read, named constants, what the model proposes
 * (action, threshold, initial offer), the ordered rules, and optionally the contact rules that the send path checks
 * against each user's contact history (contact-rules.ts). No unknown keys; defaults are filled in.
 */

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const SCALAR = { type: ['number', 'string', 'boolean'] };
/** Expressions are strings; YAML turns `1.5` or `true` into a number or boolean, which are accepted as written. */
const EXPRESSION = { type: ['string', 'number', 'boolean'] };
/** What every rule has: an id (reported when it fires) and a description. */
const RULE_NAMING = { id: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' }, description: { type: 'string' } } as const;

export const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    ...RULE_NAMING,
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

const CLOCK = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' };

export const contactRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    ...RULE_NAMING,
    channels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    minGap: { duration: true },
    maxPerWindow: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'window'],
      properties: { count: { type: 'integer', minimum: 1 }, window: { duration: true } },
    },
    quietHours: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: CLOCK, to: CLOCK } },
  },
} as const;

export const contactSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    timeZoneField: { type: 'string', minLength: 1, default: 'timeZone' },
    defaultTimeZone: { type: 'string', minLength: 1, default: 'UTC' },
    rules: { type: 'array', minItems: 1, items: contactRuleSchema },
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
    contact: contactSchema,
  },
} as const;
