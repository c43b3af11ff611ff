/**
 * async: calls an outside service once per record (Flink's AsyncDataStream): the built-in HTTP client or the user's
 * own, at most `capacity` calls in flight per worker thread, each attempt bounded by a timeout, retries with backoff
 * and jitter, a circuit breaker, results in input order or as they complete. The record's id is the call's
 * idempotency key. Records are held while their batch runs and called in `settle`, before the batch commits: a
 * crash before the commit reads the records again and repeats the calls with the same keys. A record whose call
 * fails for good goes through the step's onError policy (deadLetter keeps it with the reason), or, with a
 * `fallback`, is emitted with the fallback's text and cause and counted on the `fallbacks` side output. The client is
 * the built-in HTTP one, the chat-completions one (chat-completion.ts), or the user's.
 */
import type { AsyncClient } from '../api/types.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { StepSpec } from '../graph/model.js';
import { runBounded } from './async-calls.js';
import { callPolicy, type CallPolicy } from './async-policy.js';
import { FALLBACK_PORT, fallbackOf, type Fallback } from './async-fallback.js';
import { asyncConfigSchema, asyncSettings, checkAsyncStep, type AsyncStepSettings } from './async-settings.js';
import { chatClient } from './chat-completion.js';
import { fieldPicker, httpClient } from './http-call.js';
import type { HeldRecord, Operator, OperatorType } from './operator.js';
import { userFunction } from './user-code.js';

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface StepCalls {
  client: AsyncClient;
  policy: CallPolicy;
}

/**
 * One client (and so one pool of kept-alive connections) and one policy (and so one circuit breaker) per step and
 * worker thread, shared by the slots the thread runs.
 */
const shared = new WeakMap<StepSpec, StepCalls>();

function stepCalls(step: StepSpec, settings: AsyncStepSettings): StepCalls {
  let calls = shared.get(step);
  if (!calls) {
    calls = { client: clientOf(step, settings), policy: callPolicy(settings) };
    shared.set(step, calls);
  }
  return calls;
}

function clientOf(step: StepSpec, settings: AsyncStepSettings): AsyncClient {
  if (settings.http) return httpClient(settings.http);
  if (settings.chat) return chatClient(settings.chat);
  return userFunction<AsyncClient>(step, 'client');
}

export const asyncOperator: OperatorType = {
  kind: 'async',
  configSchema: asyncConfigSchema,
  keyed: true,
  sidePorts: [FALLBACK_PORT],
  codeRefs: ['client'],
  settles: true,
  checkStep: checkAsyncStep,
  create: (step) => new AsyncStep(step),
};

class AsyncStep implements Operator {
  private held: HeldRecord[] = [];
  private readonly settings: AsyncStepSettings;
  private readonly client: AsyncClient;
  private readonly policy: CallPolicy;
  private readonly output: (record: unknown, result: unknown) => unknown;
  private readonly fallback: Fallback | undefined;

  constructor(private readonly step: StepSpec) {
    this.settings = asyncSettings(step.config);
    ({ client: this.client, policy: this.policy } = stepCalls(step, this.settings));
    this.output = outputOf(step.id, this.settings.output);
    this.fallback = this.settings.fallback && fallbackOf(step.id, this.settings.fallback);
  }

  onRecord(value: unknown, ctx: Parameters<Operator['onRecord']>[1]): void {
    this.held.push(ctx.hold(value));
  }

  async settle(): Promise<boolean> {
    if (this.held.length === 0) return false;
    const records = this.held;
    this.held = [];
    await runBounded(
      records,
      this.settings.capacity,
      this.settings.ordered,
      (record, stop) => this.call(record, stop),
      (record, outcome) => this.handOn(record, outcome),
    );
    return true;
  }

  private async call(record: HeldRecord, stop: AbortSignal): Promise<Outcome> {
    try {
      const result = await this.policy.run(({ signal, attempt }) => this.client(record.value, { idempotencyKey: record.id, signal, attempt }), stop);
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private handOn(record: HeldRecord, outcome: Outcome): void {
    if (!outcome.ok && this.fallback) {
      this.fallBack(record, outcome.error, this.fallback);
      return;
    }
    if (!outcome.ok) {
      const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      record.fail(
        new FlywheelError(
          ErrorCodes.ASYNC_CALL,
          `call failed: ${reason}`,
          { stepId: this.step.id },
          "check the service and the step's url, timeout and retries; onError: deadLetter keeps failed records with the reason",
        ),
      );
      return;
    }
    let out: unknown;
    try {
      out = this.output(record.value, outcome.result);
    } catch (err) {
      record.fail(err);
      return;
    }
    record.emit(out);
  }

  /** The record with the fallback's text in the output field and the cause marked, and the fallback counted. */
  private fallBack(record: HeldRecord, error: unknown, fallback: Fallback): void {
    const counted = fallback.record(record.id, error);
    let out: unknown;
    try {
      out = { ...(this.output(record.value, fallback.text(record.value)) as object), [fallback.markField]: counted.cause };
    } catch (err) {
      record.fail(err);
      return;
    }
    record.emit(out);
    record.sideOutput(FALLBACK_PORT, counted);
  }
}

/** The record to emit: a copy of the input with the result (or chosen parts of it) added. */
function outputOf(stepId: string, output: AsyncStepSettings['output']): (record: unknown, result: unknown) => unknown {
  const pick = 'fields' in output ? fieldPicker(output.fields) : null;
  return (record, result) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `an async step adds its result to object records; got ${Array.isArray(record) ? 'an array' : typeof record}`,
        { stepId },
        'map the record to an object before the async step',
      );
    }
    return pick ? { ...record, ...pick(result) } : { ...record, [(output as { into: string }).into]: result };
  };
}
