/**
 * The webhook sink (type `webhook`): each output is one HTTP request to a fixed url, its body the output's JSON
 * value, with an `Idempotency-Key` header holding the output's deterministic id, so a request sent again after a
 * crash carries the same key and a receiver that deduplicates by it applies it once. It reuses the async step's
 * node:http client and call policy (timeout per attempt, retries with exponential backoff and full jitter, circuit
 * breaker), keeps up to `concurrency` requests in flight and starts at most `rate` per second, evenly spaced.
 * A write is acknowledged when every output got a 2xx; 408, 429, 5xx, timeouts and connection errors are retried,
 * and after the last retry the write fails (FW_ERR_SINK): the runtime keeps the outputs in the outbox and writes
 * them again with backoff, while health() says why. Another 4xx is the receiver refusing that output for good: the
 * write returns it as refused and the runtime sends it to the job's dead-letter sink with the answer as its reason.
 */
import pThrottle from 'p-throttle';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { callPolicy, type CallPolicy } from '../../operators/async-policy.js';
import { CallFailure } from '../../operators/call-failure.js';
import { answerFailure, describeUrl, networkReason } from '../../operators/http-call.js';
import { httpSender, type HttpAnswer, type HttpSender } from '../../operators/http-send.js';
import type { SinkConnector, SinkRecord, SinkRefusal, SinkType } from '../connector.js';
import { webhookOptionsSchema, webhookUrl, type WebhookSinkOptions } from './webhook-options.js';

class WebhookSink implements SinkConnector {
  readonly destination: string;
  private readonly url: URL;
  /** Method, origin and path, as reasons name the receiver (never the query string or a header). */
  private readonly where: string;
  private readonly sender: HttpSender = httpSender();
  private readonly stopping = new AbortController();
  private readonly policy: CallPolicy;
  /** Why the last write failed, until one succeeds. */
  private problem: string | null = null;
  /**
   * Outputs a failed write did deliver: the runtime writes the same batch again, and these are not sent twice
   * (a crash still may, under the same key).
   */
  private readonly deliveredOfFailedWrite = new Set<string>();

  constructor(
    readonly id: string,
    private readonly o: WebhookSinkOptions,
  ) {
    this.url = webhookUrl(o, id);
    this.where = `${o.method} ${describeUrl(o.url)}`;
    this.destination = `webhook:${this.where}`;
    // One token at a time, refilled every 1/rate s: a burst of outputs leaves evenly spaced, never faster than rate.
    const turn = o.rate === undefined ? undefined : pThrottle({ limit: 1, interval: 1000 / o.rate, signal: this.stopping.signal })(async () => {});
    this.policy = callPolicy(o, turn);
  }

  async open(): Promise<void> {}

  async write(records: readonly SinkRecord[]): Promise<readonly SinkRefusal[]> {
    const todo = records.filter((r) => !this.deliveredOfFailedWrite.delete(r.id));
    // Every body is encoded before the first request: a value that cannot be sent fails the batch with nothing sent.
    const bodies = todo.map((r) => this.body(r));
    const refused: SinkRefusal[] = [];
    const delivered: string[] = [];
    let failure: unknown = null;
    let next = 0;
    // Workers take the next output until none is left, or one failed after its retries (the receiver is likely
    // down: the rest wait for the runtime's next write instead of each running through its own retries).
    const worker = async () => {
      while (failure === null && next < todo.length) {
        const i = next++;
        const record = todo[i]!;
        try {
          await this.policy.run((call) => this.send(record, bodies[i]!, call.signal), this.stopping.signal);
          delivered.push(record.id);
        } catch (err) {
          if (err instanceof CallFailure && err.kind === 'refused') refused.push({ record, reason: err.message });
          else failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, todo.length) }, worker));
    if (failure !== null) {
      for (const id of delivered) this.deliveredOfFailedWrite.add(id);
      this.problem = `delivery failed: ${(failure as Error).message}`;
      throw new FlywheelError(
        ErrorCodes.SINK,
        `${delivered.length} of ${todo.length} outputs delivered, then ${(failure as Error).message}`,
        { stepId: this.id },
        'check the receiver at the webhook url; the outputs stay in the outbox and are sent again',
      );
    }
    this.problem = null;
    return refused;
  }

  /** One attempt: a CallFailure says whether it is worth retrying (async-policy.ts). */
  private async send(record: SinkRecord, body: string, signal: AbortSignal): Promise<void> {
    const headers = { ...this.o.headers, 'content-type': 'application/json', 'idempotency-key': record.id };
    let answer: HttpAnswer;
    try {
      answer = await this.sender.send(this.url, this.o.method, headers, body, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new CallFailure(`${this.where} failed: ${networkReason(err)}`, 'retry');
    }
    const failure = answerFailure(this.where, answer);
    if (failure) throw failure;
  }

  /** A value that cannot be encoded will never be: FW_ERR_UNDELIVERABLE, which delivery does not retry. */
  private body(r: SinkRecord): string {
    try {
      return JSON.stringify(r.value ?? null);
    } catch (err) {
      throw new FlywheelError(
        ErrorCodes.UNDELIVERABLE,
        `record ${r.id} cannot be encoded as JSON: ${(err as Error).message}`,
        { stepId: this.id },
        'make the step that feeds this sink emit plain data (no cycles, no BigInt)',
        err,
      );
    }
  }

  health(): { ready: boolean; reason?: string } {
    return this.problem === null ? { ready: true } : { ready: false, reason: this.problem };
  }

  /** Abandons requests waiting for their turn or a retry: what is unacknowledged stays in the outbox. */
  async close(): Promise<void> {
    this.stopping.abort();
  }
}

export const webhookSinkType: SinkType<WebhookSinkOptions> = {
  type: 'webhook',
  optionsSchema: webhookOptionsSchema,
  create: (options, ctx) => new WebhookSink(ctx.stepId, options),
  checkOptions: async (options, ctx) => void webhookUrl(options, ctx.stepId),
};
