/**
 * The webhook sink's options and their schema. Timeout, retries, backoff and circuit breaker are the async step's
 * (the same schema entries and defaults); a sink adds its rate limit and how many requests it keeps in flight.
 */
import { ASYNC_DEFAULTS, asyncConfigSchema } from '../../operators/async-settings.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export interface WebhookSinkOptions {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  timeout: number;
  retries: number;
  backoff: { initial: number; max: number };
  circuitBreaker: { failures: number; openFor: number };
  /** Most requests started per second (retries included); absent: no limit. */
  rate?: number;
  /** Requests in flight at once. */
  concurrency: number;
}

const WEBHOOK_DEFAULTS = { method: ASYNC_DEFAULTS.method, concurrency: 10 } as const;

const shared = asyncConfigSchema.properties;

export const webhookOptionsSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', minLength: 1, description: 'http(s) url every output is sent to; may use ${VAR}' },
    method: { enum: ['POST', 'PUT', 'PATCH'], default: WEBHOOK_DEFAULTS.method },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
      description: 'sent with every request besides Idempotency-Key (the output id); values may use ${VAR}, credential headers are never shown',
    },
    timeout: shared.timeout,
    retries: shared.retries,
    backoff: shared.backoff,
    circuitBreaker: shared.circuitBreaker,
    rate: { type: 'number', exclusiveMinimum: 0, maximum: 100_000, description: 'most requests started per second, retries included, evenly spaced' },
    concurrency: { type: 'integer', minimum: 1, maximum: 1_000, default: WEBHOOK_DEFAULTS.concurrency, description: 'requests in flight at once' },
  },
  required: ['url'],
  additionalProperties: false,
} as const;

/** The url must be an absolute http(s) url; checked before the job opens its state. */
export function webhookUrl(options: Pick<WebhookSinkOptions, 'url'>, stepId: string): URL {
  const url = URL.canParse(options.url) ? new URL(options.url) : null;
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      'webhook connector option url is not an absolute http(s) url',
      { stepId, path: 'connector.url' },
      'give url as http://host:port/path or https://...; an environment variable it names (${VAR}) must be set',
    );
  }
  return url;
}
