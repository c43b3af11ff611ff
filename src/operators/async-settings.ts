/**
 * The settings of an async step: its YAML schema (with defaults) and the same defaults applied to a step built in
 * TypeScript, so both run with one set of values. Durations are ms (YAML also takes `5s`-style strings).
 */
import type { AsyncStepOptions, HttpCallOptions } from '../api/types.js';
import type { ChatSettings } from './chat-completion.js';
import { MAX_TIMER_MS } from '../core/durations.js';
import type { StepSpec } from '../graph/model.js';
import type { ConfigProblem } from './operator.js';

export interface AsyncStepSettings {
  http: (Required<Omit<HttpCallOptions, 'body'>> & Pick<HttpCallOptions, 'body'>) | undefined;
  capacity: number;
  timeout: number;
  retries: number;
  backoff: { initial: number; max: number };
  ordered: boolean;
  circuitBreaker: { failures: number; openFor: number };
  output: { into: string } | { fields: Record<string, string> };
  chat: ChatSettings | undefined;
  /** The template and mark field of a failed call's output; undefined: a failed call takes the step's onError. */
  fallback: { template: string; markField: string } | undefined;
}

export const ASYNC_DEFAULTS = {
  capacity: 100,
  timeout: 5_000,
  retries: 3,
  backoff: { initial: 100, max: 10_000 },
  ordered: true,
  circuitBreaker: { failures: 5, openFor: 10_000 },
  into: 'result',
  method: 'POST',
  chatMaxLength: 500,
} as const;

const fieldMap = { type: 'object', additionalProperties: { type: 'string', minLength: 1 } } as const;

export const asyncConfigSchema = {
  type: 'object',
  properties: {
    http: {
      type: 'object',
      description: 'the built-in HTTP client (node:http, kept-alive connections); give it or `client`',
      properties: {
        url: { type: 'string', minLength: 1, description: 'may name record fields in braces, URL-encoded: https://api.example/users/{userId}' },
        method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: ASYNC_DEFAULTS.method },
        headers: { ...fieldMap, description: 'sent with every call besides Idempotency-Key (the record id); values may use ${VAR}' },
        body: { ...fieldMap, description: 'JSON body fields, each a path in the record; default: the whole record' },
      },
      required: ['url'],
      additionalProperties: false,
    },
    chat: {
      type: 'object',
      description: 'an OpenAI-compatible chat-completions endpoint: the answer text is the result; give it, `http` or `client`',
      properties: {
        baseUrl: { type: 'string', minLength: 1, description: 'the API base, e.g. https://api.openai.com/v1; calls POST {baseUrl}/chat/completions' },
        model: { type: 'string', minLength: 1 },
        prompt: { type: 'string', minLength: 1, description: 'the user message, with record fields in braces: {segment}, {offer.coupon}' },
        apiKey: { type: 'string', description: 'sent as a Bearer token when not empty; write it as ${VAR} so it comes from the environment' },
        maxLength: { type: 'integer', minimum: 1, maximum: 1_000_000, default: ASYNC_DEFAULTS.chatMaxLength, description: 'longest answer text accepted' },
      },
      required: ['baseUrl', 'model', 'prompt'],
      additionalProperties: false,
    },
    fallback: {
      type: 'object',
      description: 'a failed call fills output.into from this template (record fields in braces) and marks the cause, instead of taking onError',
      properties: {
        template: { type: 'string', minLength: 1 },
        markField: { type: 'string', minLength: 1, description: 'the field naming the cause; default <output.into>Fallback' },
      },
      required: ['template'],
      additionalProperties: false,
    },
    client: { type: 'string', description: "'./file.js#export': an async function (record, { idempotencyKey, signal, attempt }) returning the result" },
    capacity: { type: 'integer', minimum: 1, maximum: 10_000, default: ASYNC_DEFAULTS.capacity, description: 'calls in flight at once per worker thread' },
    timeout: { duration: MAX_TIMER_MS, default: ASYNC_DEFAULTS.timeout, description: 'longest wait for one attempt' },
    retries: { type: 'integer', minimum: 0, maximum: 100, default: ASYNC_DEFAULTS.retries, description: 'attempts after the first' },
    backoff: {
      type: 'object',
      description: 'exponential backoff with full jitter: a delay drawn from 0 up to initial * 2^retry, at most max',
      properties: {
        initial: { duration: MAX_TIMER_MS, default: ASYNC_DEFAULTS.backoff.initial },
        max: { duration: MAX_TIMER_MS, default: ASYNC_DEFAULTS.backoff.max },
      },
      additionalProperties: false,
      default: {},
    },
    ordered: { type: 'boolean', default: ASYNC_DEFAULTS.ordered, description: 'results in input order, or (false) as they complete' },
    circuitBreaker: {
      type: 'object',
      description: 'opens after `failures` consecutive failed attempts, refuses calls for `openFor`, then lets one through to try',
      properties: {
        failures: { type: 'integer', minimum: 1, maximum: 1_000_000, default: ASYNC_DEFAULTS.circuitBreaker.failures },
        openFor: { duration: MAX_TIMER_MS, default: ASYNC_DEFAULTS.circuitBreaker.openFor },
      },
      additionalProperties: false,
      default: {},
    },
    output: {
      type: 'object',
      description: 'the result under one field of a copy of the record (`into`, default result), or parts of it (`fields`: output field -> path in the result)',
      properties: { into: { type: 'string', minLength: 1 }, fields: fieldMap },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** The step's settings with every default filled in. */
export function asyncSettings(config: Readonly<Record<string, unknown>>): AsyncStepSettings {
  const c = config as AsyncStepOptions<unknown, unknown>;
  const http = c.http
    ? { url: c.http.url, method: c.http.method ?? ASYNC_DEFAULTS.method, headers: c.http.headers ?? {}, ...(c.http.body ? { body: c.http.body } : {}) }
    : undefined;
  return {
    http,
    capacity: c.capacity ?? ASYNC_DEFAULTS.capacity,
    timeout: c.timeout ?? ASYNC_DEFAULTS.timeout,
    retries: c.retries ?? ASYNC_DEFAULTS.retries,
    backoff: { initial: c.backoff?.initial ?? ASYNC_DEFAULTS.backoff.initial, max: c.backoff?.max ?? ASYNC_DEFAULTS.backoff.max },
    ordered: c.ordered ?? ASYNC_DEFAULTS.ordered,
    circuitBreaker: {
      failures: c.circuitBreaker?.failures ?? ASYNC_DEFAULTS.circuitBreaker.failures,
      openFor: c.circuitBreaker?.openFor ?? ASYNC_DEFAULTS.circuitBreaker.openFor,
    },
    output: c.output?.fields ? { fields: c.output.fields } : { into: c.output?.into ?? ASYNC_DEFAULTS.into },
    chat: c.chat ? { ...c.chat, maxLength: c.chat.maxLength ?? ASYNC_DEFAULTS.chatMaxLength } : undefined,
    fallback: c.fallback ? { template: c.fallback.template, markField: c.fallback.markField ?? `${c.output?.into ?? ASYNC_DEFAULTS.into}Fallback` } : undefined,
  };
}

/**
 * What the schema cannot say: exactly one client, one form of output (`into` when there is a fallback), a chat base
 * URL that is an http(s) URL, whole numbers where the TypeScript API takes any.
 */
export function checkAsyncStep(step: StepSpec): ConfigProblem | null {
  const given = { http: step.config.http, chat: step.config.chat, client: step.code.client };
  const clients = Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  if (clients.length !== 1) {
    return {
      path: clients.length > 1 ? `.${clients[1]}` : '',
      message: `async step '${step.id}' needs exactly one of 'http', 'chat' and 'client'`,
      hint: 'call a URL with http: { url: ... }, a chat-completions endpoint with chat: { baseUrl, model, prompt }, or your own function with client: ./file.js#export',
    };
  }
  const chat = step.config.chat as AsyncStepOptions<unknown, unknown>['chat'];
  if (chat && !/^https?:\/\/[^/]/.test(chat.baseUrl)) {
    return {
      path: '.chat.baseUrl',
      message: `async step '${step.id}': chat.baseUrl must be an http(s) URL, got '${chat.baseUrl}'`,
      hint: 'give the API base, e.g. baseUrl: https://api.openai.com/v1 or http://127.0.0.1:8000/v1',
    };
  }
  const output = step.config.output as AsyncStepOptions<unknown, unknown>['output'];
  if (step.config.fallback !== undefined && output?.fields !== undefined) {
    return {
      path: '.fallback',
      message: `async step '${step.id}': a fallback fills one field, so output needs 'into', not 'fields'`,
      hint: 'write output: { into: copy } to put the answer (or the fallback text) in one field',
    };
  }
  if (output && (output.into === undefined) === (output.fields === undefined)) {
    return {
      path: '.output',
      message: `async step '${step.id}': output needs exactly one of 'into' and 'fields'`,
      hint: 'into: result puts the whole result in one field; fields: { score: data.score } picks parts of it',
    };
  }
  const settings = asyncSettings(step.config);
  for (const [name, value, min] of [
    ['capacity', settings.capacity, 1],
    ['retries', settings.retries, 0],
    ['circuitBreaker.failures', settings.circuitBreaker.failures, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      return {
        path: `.${name}`,
        message: `async step '${step.id}': ${name} must be a whole number of at least ${min}, got ${value}`,
        hint: `set ${name} to a whole number`,
      };
  }
  return null;
}
