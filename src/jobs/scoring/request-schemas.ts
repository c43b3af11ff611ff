/**
 * JSON schemas of scoring requests, shared by the HTTP routes (as fastify body/query schemas) and the stream steps
 * (validated per record, with the request id and event time a stream request also carries).
 */
import type { ScoringOptions } from './scoring-options.js';

export const idSchema = { type: 'string', minLength: 1, maxLength: 256, pattern: '^\\S+$' } as const;
const modelName = { type: 'string', enum: ['click', 'churn'] } as const;
const featureValue = { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'null' }] } as const;

export function scoreBodySchema(options: ScoringOptions) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: modelName,
      userId: idSchema,
      itemId: idSchema,
      itemIds: { type: 'array', minItems: 1, maxItems: options.maxBatch, items: idSchema },
      device: idSchema,
      features: { type: 'object', maxProperties: 200, additionalProperties: featureValue },
    },
  } as const;
}

export function recommendationQuerySchema(options: ScoringOptions) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: { k: { type: 'integer', minimum: 1, maximum: options.maxK, default: 10 }, device: idSchema },
  } as const;
}

export const decideBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'context'],
  properties: { userId: idSchema, context: { type: 'object', maxProperties: 100 }, model: modelName, itemId: idSchema, device: idSchema },
} as const;

/** Fields every stream request carries besides the route's body: its id (echoed in the answer) and event time. */
const streamFields = { requestId: idSchema, ts: { type: 'number' } } as const;

/** A recommendation request on a topic: the route's query plus userId, requestId and ts. */
export function recommendationRequestSchema(options: ScoringOptions) {
  const query = recommendationQuerySchema(options);
  return { ...query, required: ['requestId', 'userId'], properties: { ...query.properties, ...streamFields, userId: idSchema } } as const;
}

/** A decision request on a topic: POST /decide's body plus requestId and ts. */
export const decisionRequestSchema = {
  ...decideBodySchema,
  required: ['requestId', ...decideBodySchema.required],
  properties: { ...decideBodySchema.properties, ...streamFields },
} as const;
