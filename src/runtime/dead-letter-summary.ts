/**
 * Dead letters in the log without a line per record: at most one event per step per summary (the launcher makes one
 * every status interval and one at the end), with the records dead-lettered since the last one and in all. A bad
 * feed that dead-letters every record makes a few lines a minute, not one per record.
 */
import type { Logger } from 'pino';

export class DeadLetterSummaries {
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly totals: ReadonlyMap<string, number>,
    private readonly log: Logger,
    private readonly sink: string | undefined,
  ) {}

  /** Logs, per step that dead-lettered records since the last summary, how many. */
  summarize(): void {
    for (const [step, total] of this.totals) {
      const count = total - (this.reported.get(step) ?? 0);
      if (count === 0) continue;
      this.reported.set(step, total);
      const where = this.sink ? `; the records and their reasons are in the dead-letter sink ${this.sink}` : '';
      this.log.warn(
        { event: 'dead-letters', step, count, total },
        `step ${step} dead-lettered ${count} record${count === 1 ? '' : 's'} (${total} in all)${where}`,
      );
    }
  }
}
