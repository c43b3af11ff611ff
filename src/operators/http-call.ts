/**
 * The async step's built-in HTTP client (node:http, http-send.ts): the URL with record fields filled in, the
 * configured headers plus `Idempotency-Key` (the record's id, the same on every attempt and after a crash), a JSON
 * body of the whole record or of chosen fields, and the JSON answer as the result. How an answer counts: 2xx is a
 * result (an empty body is null); 408, 429 and 5xx are retried; a body that is not JSON is a failure not retried;
 * other statuses are refusals. Reasons name the method, origin and path, never a header or the query string.
 */
import { pathReader } from '../api/aggregators.js';
import type { AsyncCall, AsyncClient, HttpCallOptions } from '../api/types.js';
import { CallFailure } from './call-failure.js';
import { fieldTemplate } from './field-template.js';
import { httpSender, type HttpAnswer, type HttpSender } from './http-send.js';

const RETRIED_STATUSES = new Set([408, 429]);
/** How much of a body that is not JSON a reason quotes. */
const QUOTED = 80;

export function httpClient(options: Required<Omit<HttpCallOptions, 'body'>> & Pick<HttpCallOptions, 'body'>): AsyncClient {
  const urlOf = fieldTemplate(options.url, encodeURIComponent, (path) => {
    throw new CallFailure(`the url names field '${path}', which the record has no text or number at`, 'refused');
  });
  const bodyOf = options.body ? fieldPicker(options.body) : (record: unknown) => record;
  const sendsBody = options.method !== 'GET' && options.method !== 'DELETE';
  const sender = httpSender();
  return async (record, call) =>
    callForJson(sender, urlOf(record), options.method, options.headers, sendsBody ? JSON.stringify(bodyOf(record)) : undefined, call);
}

/**
 * One attempt: the request with `Idempotency-Key` (and the JSON content header when there is a body), the answer
 * judged by its status, and its body parsed as JSON (an empty body is null).
 */
export async function callForJson(
  sender: HttpSender,
  target: string,
  method: string,
  configured: Record<string, string>,
  body: string | undefined,
  call: AsyncCall,
): Promise<unknown> {
  const where = `${method} ${describeUrl(target)}`;
  const url = URL.canParse(target) ? new URL(target) : null;
  if (!url || !/^https?:$/.test(url.protocol)) throw new CallFailure(`${where}: the url is not a valid http(s) url`, 'refused');
  const headers: Record<string, string> = { accept: 'application/json', ...configured, 'idempotency-key': call.idempotencyKey };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let answer: HttpAnswer;
  try {
    answer = await sender.send(url, method, headers, body, call.signal);
  } catch (err) {
    if (call.signal.aborted) throw err;
    throw new CallFailure(`${where} failed: ${networkReason(err)}`, 'retry');
  }
  const failure = answerFailure(where, answer);
  if (failure) throw failure;
  const { status, text } = answer;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CallFailure(`${where} answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, QUOTED))}`, 'final');
  }
}

/** How a status that is not 2xx counts: 408, 429 and 5xx are worth a retry, any other is a refusal. Null for 2xx. */
export function answerFailure(where: string, { status, text }: HttpAnswer): CallFailure | null {
  if (status >= 500 || RETRIED_STATUSES.has(status)) return new CallFailure(`${where} answered ${status}`, 'retry');
  if (status < 200 || status >= 300) return new CallFailure(`${where} answered ${status}: ${text.slice(0, QUOTED)}`, 'refused');
  return null;
}

/** A JSON object of chosen record fields: output name -> path in the record. */
export function fieldPicker(fields: Record<string, string>): (source: unknown) => Record<string, unknown> {
  const readers = Object.entries(fields).map(([name, path]) => [name, pathReader(path)] as const);
  return (source) => {
    const out: Record<string, unknown> = {};
    for (const [name, read] of readers) out[name] = read(source);
    return out;
  };
}

/** A url as reasons show it: origin and path, never the query string (it may hold a token). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'an invalid url';
  }
}

/** The system's code (ECONNREFUSED, ECONNRESET, ...) where there is one. */
export function networkReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
