/**
 * Backpressure on the sources: pauses them once `maxQueued` records (or outputs) are waiting and resumes them once
 * half have been applied, so a paused Kafka consumer is not resumed (refetching what pausing dropped) for every
 * single batch. Also keeps what the status reports of it: the most ever queued and the number of pauses.
 */
export class Backpressure {
  paused = false;
  pauses = 0;
  peakQueued = 0;

  constructor(
    readonly maxQueued: number,
    private readonly sources: { pause(): void; resume(): void },
  ) {}

  /** Whether the sources may be polled now, given the records queued and the outputs waiting for delivery. */
  allowsPolling(queued: number, outputsPending: number): boolean {
    const load = Math.max(queued, outputsPending);
    if (!this.paused && load >= this.maxQueued) {
      this.paused = true;
      this.pauses++;
      this.sources.pause();
    } else if (this.paused && load <= this.maxQueued / 2) {
      this.paused = false;
      this.sources.resume();
    }
    return !this.paused;
  }

  observe(queued: number): void {
    if (queued > this.peakQueued) this.peakQueued = queued;
  }
}
