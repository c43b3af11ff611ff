/**
 * How an outside call failed, as the async step's clients (HTTP, chat completions, the webhook sink) report it to
 * the call policy (async-policy.ts), which retries, counts against the breaker or gives up accordingly.
 */

/**
 * A failed attempt, as the client saw it. `retry`: worth another attempt (a connection error, 408, 429, 5xx).
 * `final`: not retried, but counted against the service (an answer that is not JSON). `refused`: the service
 * refused this request for good (another 4xx): neither retried nor held against the service.
 */
export class CallFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'retry' | 'final' | 'refused',
    /** What made a record's call fail for good, as a fallback names it (set by the policy on its final failure). */
    readonly failedBy: FailureCause = kind === 'final' ? 'garbage' : kind === 'refused' ? 'refused' : 'failed',
  ) {
    super(message);
  }
}

/**
 * Why a call failed for good: `timeout` (the last attempt timed out), `breaker` (the circuit breaker refused it),
 * `garbage` (the service answered something unusable), `refused` (a 4xx), `failed` (5xx, connection errors, or a
 * user client's error).
 */
export type FailureCause = 'timeout' | 'breaker' | 'garbage' | 'refused' | 'failed';
