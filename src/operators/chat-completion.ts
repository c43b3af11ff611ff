/**
 * The async step's chat client: a call to an OpenAI-compatible chat-completions endpoint (POST
 * {baseUrl}/chat/completions) with one user message, the prompt template filled from the record, and the answer's
 * first choice as the result, trimmed. It rides on the built-in HTTP client's request and status handling
 * (http-call.ts), so timeouts, retries, the breaker and the idempotency key work as for any async call. An answer
 * that is not JSON, has no choices, or whose text is empty or longer than `maxLength` is garbage: a failure that is
 * not retried (the service did answer) and counts against the breaker.
 */
import type { AsyncClient, ChatCallOptions } from '../api/types.js';
import { CallFailure } from './call-failure.js';
import { fieldTemplate } from './field-template.js';
import { callForJson } from './http-call.js';
import { httpSender } from './http-send.js';

export type ChatSettings = Required<Omit<ChatCallOptions, 'apiKey'>> & Pick<ChatCallOptions, 'apiKey'>;

/** The endpoint the chat client posts to: the base URL (e.g. https://api.openai.com/v1) and /chat/completions. */
export function chatCompletionsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

export function chatClient(options: ChatSettings): AsyncClient<unknown, string> {
  const url = chatCompletionsUrl(options.baseUrl);
  const promptOf = fieldTemplate(
    options.prompt,
    (text) => text,
    (path) => {
      throw new CallFailure(`the prompt names field '${path}', which the record has no text or number at`, 'refused');
    },
  );
  // An empty key (an unset variable with ${VAR:-}) sends no Authorization header: a local model server needs none.
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const sender = httpSender();
  return async (record, call) => {
    const body = JSON.stringify({ model: options.model, messages: [{ role: 'user', content: promptOf(record) }] });
    const answer = await callForJson(sender, url, 'POST', headers, body, call);
    return answerText(answer, options.maxLength, url);
  };
}

/** The first choice's message text, or a `garbage` failure saying what was wrong with the answer. */
export function answerText(answer: unknown, maxLength: number, url: string): string {
  const garbage = (what: string): never => {
    throw new CallFailure(`POST ${new URL(url).origin}${new URL(url).pathname} answered ${what}`, 'final');
  };
  const choices = (answer as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) return garbage('no choices');
  const content = (choices[0] as { message?: { content?: unknown } } | null)?.message?.content;
  if (typeof content !== 'string') return garbage('a first choice without message text');
  const text = content.trim();
  if (text === '') return garbage('an empty text');
  if (text.length > maxLength) return garbage(`a text of ${text.length} characters, over the ${maxLength} allowed`);
  return text;
}
