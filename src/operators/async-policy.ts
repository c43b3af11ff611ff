/**
 * How an async step calls: each attempt bounded by a timeout, failed attempts retried with exponential backoff and
 * full jitter, and a circuit breaker shared by the step's calls on a worker thread (closed -> open after N
 * consecutive failed attempts -> half-open after `openFor`: one trial call, which closes it again or re-opens it),
 * and, when the caller gives one, a wait for its turn before each attempt (a sink's rate limit). Built on cockatiel's
 * policies. A failure's reason names what failed (never a header or a query string).
 */
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { AsyncCall } from '../api/types.js';
import type { AsyncStepSettings } from './async-settings.js';
import { CallFailure, type FailureCause } from './call-failure.js';

function causeOf(err: unknown): FailureCause {
  if (err instanceof BrokenCircuitError) return 'breaker';
  if (err instanceof TaskCancelledError) return 'timeout';
  if (err instanceof CallFailure) return err.failedBy;
  return kindOf(err) === 'refused' ? 'refused' : 'failed';
}

/** How a user client's error counts: retried unless it says `retryable: false`. */
function kindOf(err: unknown): CallFailure['kind'] {
  if (err instanceof CallFailure) return err.kind;
  return (err as { retryable?: unknown } | null)?.retryable === false ? 'refused' : 'retry';
}

export interface CallPolicy {
  /** Runs `attempt` until it succeeds or fails for good; rejects with the reason of the last failure. */
  run<T>(attempt: (call: Omit<AsyncCall, 'idempotencyKey'>) => Promise<T>, stop: AbortSignal): Promise<T>;
  readonly breaker: CircuitBreakerPolicy;
}

/**
 * Waits until the caller may send its next attempt (a rate limit), before that attempt's timeout starts: a request
 * waiting for its turn has not been sent, so it cannot time out.
 */
export type AttemptTurn = () => Promise<void>;

export function callPolicy(settings: Pick<AsyncStepSettings, 'timeout' | 'retries' | 'backoff' | 'circuitBreaker'>, turn?: AttemptTurn): CallPolicy {
  const breaker = circuitBreaker(
    handleWhen((err) => kindOf(err) !== 'refused'),
    { halfOpenAfter: settings.circuitBreaker.openFor, breaker: new ConsecutiveBreaker(settings.circuitBreaker.failures) },
  );
  const retries = retry(
    handleWhen((err) => err instanceof BrokenCircuitError || err instanceof TaskCancelledError || kindOf(err) === 'retry'),
    {
      maxAttempts: settings.retries,
      backoff: new ExponentialBackoff({ initialDelay: settings.backoff.initial, maxDelay: settings.backoff.max, generator: fullJitterGenerator }),
    },
  );
  // A finished call needs no abort: aborting it made a DOMException per call (5% of the worker's CPU at 1 ms).
  const attemptPolicy = wrap(breaker, timeout(settings.timeout, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }));
  return {
    breaker,
    async run(attempt, stop) {
      // Calls actually sent: an attempt the open breaker refused sends none.
      let sent = 0;
      const send = (signal: AbortSignal, n: number) => {
        sent++;
        return attempt({ signal, attempt: n });
      };
      try {
        return await retries.execute(({ signal, attempt: n }) => {
          const run = () => attemptPolicy.execute(({ signal: bounded }) => send(bounded, n), signal);
          return turn ? turn().then(run) : run();
        }, stop);
      } catch (err) {
        throw new CallFailure(
          `${reasonOf(err, settings.timeout, settings.circuitBreaker.failures)} (${sent === 1 ? '1 call' : `${sent} calls`} sent)`,
          kindOf(err),
          causeOf(err),
        );
      }
    },
  };
}

function reasonOf(err: unknown, timeoutMs: number, failures: number): string {
  if (err instanceof BrokenCircuitError) return `circuit breaker open: ${failures} consecutive calls failed`;
  if (err instanceof TaskCancelledError) return err.message.includes('timed out') ? `timed out after ${timeoutMs} ms` : 'cancelled';
  return err instanceof Error ? err.message : String(err);
}
