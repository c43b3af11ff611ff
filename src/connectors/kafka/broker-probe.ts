/**
 * Connectivity of a Kafka client, as readiness sees it: a check (a metadata or watermark request with a timeout)
 * runs every `intervalMs`; while the last one failed, `problem` says why. librdkafka's own error events
 * ("all broker connections are down") say when a broker went away but never when it came back, so readiness rests
 * on these requests instead, and the events only sharpen the reason.
 */
export class BrokerProbe {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failure: string | null = null;
  private lastEvent: string | null = null;

  constructor(
    private readonly brokers: string,
    private readonly check: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  /** A client error event: remembered as the likely cause of the next failed check. */
  noteEvent(message: string): void {
    this.lastEvent = message;
  }

  /** The client just heard from the cluster (a delivery was acknowledged): it is reachable, whatever the last check said. */
  noteReached(): void {
    this.failure = null;
    this.lastEvent = null;
  }

  /** Runs one check now (unless one is under way). */
  async probe(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.check();
      this.failure = null;
      this.lastEvent = null;
    } catch (err) {
      this.failure = `cannot reach Kafka at ${this.brokers}: ${this.lastEvent ?? (err as Error).message}`;
    } finally {
      this.running = false;
    }
  }

  get problem(): string | null {
    return this.failure;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
