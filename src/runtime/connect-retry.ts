/**
 * Opening a connector whose destination is unreachable (FW_ERR_BROKER_UNAVAILABLE) is retried with capped
 * exponential backoff until it succeeds or the job is stopped: 0.5 s, 1 s, 2 s, 4 s, 8 s, then every 10 s. Each wait
 * is reported (what failed, the attempt, the next delay) so readiness can say why the job is not ready and the log
 * can show each retry. Any other error (bad options, a missing topic) stops start-up at once.
 */
import { ErrorCodes, FlywheelError, type ErrorCode } from '../core/errors.js';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** The wait after failed attempt `attempt` (0-based). */
export function retryDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
}

/** One failed attempt and the wait before the next. */
export interface RetryWait {
  /** The readiness reason: what failed, the attempt and the delay, in a sentence. */
  reason: string;
  attempt: number;
  delayMs: number;
  code: ErrorCode;
}

export interface RetryHooks {
  /** Called before each wait with the failed attempt; `null` once the open succeeded. */
  waiting(wait: RetryWait | null): void;
  /** Resolves when the job is asked to stop; start-up then gives up with the last error. */
  stopped: Promise<void>;
}

export async function openWithRetry(what: string, open: () => Promise<void>, hooks: RetryHooks): Promise<void> {
  let stopped = false;
  void hooks.stopped.then(() => (stopped = true));
  for (let attempt = 0; ; attempt++) {
    try {
      await open();
      hooks.waiting(null);
      return;
    } catch (err) {
      if (!(err instanceof FlywheelError) || err.code !== ErrorCodes.BROKER_UNAVAILABLE || stopped) throw err;
      const delay = retryDelay(attempt);
      hooks.waiting({
        reason: `${what}: ${err.detail}; attempt ${attempt + 1} failed, retrying in ${delay / 1000} s`,
        attempt: attempt + 1,
        delayMs: delay,
        code: err.code,
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, delay))), hooks.stopped]);
      clearTimeout(timer);
      if (stopped) throw err;
    }
  }
}
