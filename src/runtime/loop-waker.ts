/**
 * The sleep of a job's main loop between turns, and its cut short: a runner sleeps when it has nothing to do and is
 * woken at once by what gives it something (a result, a failure, a stop).
 */
export class LoopWaker {
  private wakeUp: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waker = this;
      function done(): void {
        clearTimeout(timer);
        waker.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
