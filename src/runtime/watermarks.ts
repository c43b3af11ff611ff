/**
 * Watermarks per source partition with bounded out-of-orderness, combined by minimum. A partition that has seen no
 * record for `idleTimeout` (wall clock) stops holding the watermark back until it produces again; if every
 * partition is idle the source is idle: its watermark goes up to the greatest any of its partitions reached (as
 * Flink's StatusWatermarkValve does once every input channel is idle), and it no longer holds back the job's
 * (source-intake.ts), as Flink marks an idle source subtask. Going to the greatest rather than staying put makes the
 * watermark of a job whose input has all been read the same whichever partition happened to go quiet last. A finished
 * bounded source ends in two steps: first its watermark goes to the greatest of its partitions' (as if all were idle)
 * and it no longer holds back the job's; once nothing else holds the job's watermark (every other source finished or
 * idle) and every stage has reached it, the job releases the end (`releaseEnd`) and it goes to +Infinity, which
 * fires every remaining timer (Flink's MAX_WATERMARK). Every stage thus sees the sources' last finite watermark
 * before +Infinity, as Flink's operators do (its watermarks travel in order through the channels), and what a timer
 * firing before the end does (a step that registers no further timers once the watermark is +Infinity, say) does not
 * depend on when a stage's upstream commits happened to come.
 */
import type { Millis } from '../api/types.js';

interface PartitionClock {
  maxTimestamp: Millis;
  lastSeen: number;
}

export class SourceWatermarks {
  private readonly partitions = new Map<number, PartitionClock>();
  /** The same clocks as a list: the watermark is read for every record, and a list is walked without an iterator. */
  private readonly clocks: PartitionClock[] = [];
  private current = -Infinity;
  private ended = false;
  private endReleased = false;
  /** Whether every partition was idle at the last watermark() call (and the source has partitions). */
  idle = false;

  constructor(
    private readonly maxOutOfOrderness: Millis,
    private readonly idleTimeout: Millis,
    private readonly now: () => number = Date.now,
  ) {}

  /** Declares the partitions this source reads, so a silent one holds the watermark until it turns idle. */
  track(partitions: readonly number[]): void {
    const now = this.now();
    for (const p of partitions) if (!this.partitions.has(p)) this.addClock(p, now);
  }

  /** A partition's own watermark (its greatest event time less the out-of-orderness); -Infinity before any record. */
  partitionWatermark(partition: number): Millis {
    const clock = this.partitions.get(partition);
    return clock === undefined ? -Infinity : clock.maxTimestamp - this.maxOutOfOrderness;
  }

  /** Sets a partition's watermark to what it was where reading resumes (after a restart), unless it is past that. */
  restore(partition: number, watermark: Millis, now: number): void {
    const clock = this.partitions.get(partition) ?? this.addClock(partition, now);
    const maxTimestamp = watermark + this.maxOutOfOrderness;
    if (maxTimestamp > clock.maxTimestamp) clock.maxTimestamp = maxTimestamp;
  }

  observe(partition: number, timestamp: Millis, now: number): void {
    const clock = this.partitions.get(partition) ?? this.addClock(partition, now);
    if (timestamp > clock.maxTimestamp) clock.maxTimestamp = timestamp;
    clock.lastSeen = now;
  }

  /** The watermark now; never goes backwards. */
  watermark(now: number = this.now()): Millis {
    if (this.endReleased) {
      this.idle = false;
      return Infinity;
    }
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < this.clocks.length; i++) {
      const clock = this.clocks[i]!;
      const w = clock.maxTimestamp - this.maxOutOfOrderness;
      if (w > max) max = w;
      if (this.ended || now - clock.lastSeen >= this.idleTimeout) continue;
      if (w < min) min = w;
    }
    // A finished source counts as idle, with or without partitions: it holds nothing back.
    this.idle = (min === Infinity && this.clocks.length > 0) || this.ended;
    const next = this.idle ? max : min;
    if (next !== Infinity && next > this.current) this.current = next;
    return this.current;
  }

  private addClock(partition: number, now: number): PartitionClock {
    const clock = { maxTimestamp: -Infinity, lastSeen: now };
    this.partitions.set(partition, clock);
    this.clocks.push(clock);
    return clock;
  }

  /** The source has been read to its end: its watermark goes to the greatest of its partitions'. */
  end(): void {
    this.ended = true;
  }

  /** Every source has ended and every stage has reached their watermark: +Infinity from now on. */
  releaseEnd(): void {
    this.endReleased = true;
  }

  get isEndReleased(): boolean {
    return this.endReleased;
  }
}

/**
 * The job's watermark over its sources: the minimum over those that are not idle, so a source whose partitions all
 * went quiet (a topic of occasional requests, say) does not hold back the others. While every source is idle it is
 * the greatest of theirs (as a source's own is over its partitions); it never goes backwards.
 */
export class CombinedWatermark {
  private current = -Infinity;
  /** Whether every source was idle at the last watermark() call. */
  idle = false;

  constructor(private readonly sources: readonly SourceWatermarks[]) {}

  watermark(now: number): Millis {
    let min = Infinity;
    let max = -Infinity;
    let active = false;
    for (let i = 0; i < this.sources.length; i++) {
      const source = this.sources[i]!;
      const w = source.watermark(now);
      if (w > max) max = w;
      if (source.idle) continue;
      active = true;
      if (w < min) min = w;
    }
    this.idle = !active && this.sources.length > 0;
    const next = active ? min : max;
    if (next > this.current) this.current = next;
    return this.current;
  }
}
