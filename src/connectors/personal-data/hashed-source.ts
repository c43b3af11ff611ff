/**
 * A source whose records have their personal fields hashed as they are read (personalData on a source step): it
 * wraps the source's connector, so polled records and records read by worker threads (openPartition) come out
 * hashed before event time is read, before any dead letter, step, state or output. An undecodable payload cannot
 * be searched for personal fields, so its raw text is withheld from the dead letter (its length is kept).
 */
import { Undecodable, type PartitionRange, type PartitionReader, type SourceConnector, type SourceOpenOptions, type SourceRecord } from '../connector.js';

export function withheld(raw: string | Uint8Array): string {
  return `[${Buffer.byteLength(raw)} bytes withheld: the source declares personal fields]`;
}

export class PersonalDataSource implements SourceConnector {
  readonly followsClock?: boolean;
  readonly waitsForRecords?: boolean;
  readonly commit?: (applied: ReadonlyMap<number, number>) => Promise<void>;
  readonly pause?: () => void;
  readonly resume?: () => void;
  readonly health?: () => { ready: boolean; reason?: string };
  readonly lag?: () => ReadonlyMap<number, number> | undefined;
  readonly claim?: (max: number, busy: ReadonlySet<number>) => PartitionRange[];
  readonly openPartition?: (partition: number, offset: number) => PartitionReader;

  constructor(
    private readonly inner: SourceConnector,
    private readonly hash: (value: unknown) => unknown,
  ) {
    // Optional members are present exactly when the wrapped source has them: the runtime asks for them by presence.
    if (inner.followsClock !== undefined) this.followsClock = inner.followsClock;
    if (inner.waitsForRecords !== undefined) this.waitsForRecords = inner.waitsForRecords;
    if (inner.commit) this.commit = (applied) => inner.commit!(applied);
    if (inner.pause) this.pause = () => inner.pause!();
    if (inner.resume) this.resume = () => inner.resume!();
    if (inner.health) this.health = () => inner.health!();
    if (inner.lag) this.lag = () => inner.lag!();
    if (inner.claim) this.claim = (max, busy) => inner.claim!(max, busy);
    if (inner.openPartition) {
      this.openPartition = (partition, offset) => {
        const reader = inner.openPartition!(partition, offset);
        return {
          next: () => {
            const value = reader.next();
            return value instanceof Undecodable ? new Undecodable(withheld(value.raw), value.reason) : this.hash(value);
          },
        };
      };
    }
  }

  get id(): string {
    return this.inner.id;
  }

  get origin(): string {
    return this.inner.origin;
  }

  open(options: SourceOpenOptions): Promise<void> {
    return this.inner.open(options);
  }

  partitions(): readonly number[] {
    return this.inner.partitions();
  }

  async poll(max: number): Promise<SourceRecord[]> {
    const records = await this.inner.poll(max);
    for (const r of records) {
      if (r.error !== undefined) {
        if (r.raw !== undefined) r.raw = withheld(r.raw);
      } else {
        r.value = this.hash(r.value);
      }
    }
    return records;
  }

  finished(): boolean {
    return this.inner.finished();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
