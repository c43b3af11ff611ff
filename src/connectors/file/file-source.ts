/**
 * The file source (type `file`): a JSON-lines (or plain text) file as one partition whose offsets are the byte
 * positions of line starts. The runtime resumes a partition at one past the last offset it applied, a byte inside
 * that line, so the source skips from there through the line's end and reads on from the next whole line: a
 * restart (after a finished run or a kill -9) never reads a fragment of a line and never reads a line twice. A line
 * that is not valid JSON or breaks a record limit (`maxRecordBytes`, `maxDepth`, `maxKeys`) becomes an error record
 * (dead letter), never a crash and never a silent drop; an over-long line is never held in memory whole.
 * With `follow: true` the file is a log that others append to (as `tail -f` reads it): the source is never finished,
 * creates the file if it is missing, and hands over a line only once its newline has been written, so a line caught
 * half-written is read whole at a later poll.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConnectorContext, SourceConnector, SourceOpenOptions, SourceRecord, SourceType } from '../connector.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { decodeRecord } from '../record-decode.js';
import { recordLimitProperties, recordLimitsOf, sizeViolation, type RecordLimits } from '../record-limits.js';

interface FileSourceOptions extends Partial<RecordLimits> {
  path: string;
  format: 'json' | 'text';
  maxRecordBytes?: number;
  follow?: boolean;
}

const CHUNK = 1 << 20;
const NEWLINE = 10;
/** The bytes of an over-long line that its dead letter keeps. */
const RAW_KEPT_OF_OVERSIZED = 1024;
const DEFAULT_MAX_RECORD_BYTES = 1_048_576;

/** A line being skipped through its end: one already applied (on resume), or one over `maxRecordBytes`. */
interface Skipping {
  /** The over-long line's start, head and length so far; null for an applied line (nothing to report). */
  oversized: { start: number; head: Buffer; size: number } | null;
}

class FileSource implements SourceConnector {
  readonly origin: string;
  private handle: FileHandle | null = null;
  /** Next byte to read from the file. */
  private position = 0;
  /** The incomplete line at the end of what was read, and the file offset of its first byte. */
  private carry = Buffer.alloc(0);
  private carryStart = 0;
  private skipping: Skipping | null = null;
  private eof = false;
  private pending: SourceRecord[] = [];

  constructor(
    readonly id: string,
    private readonly path: string,
    private readonly format: 'json' | 'text',
    private readonly limits: RecordLimits,
    private readonly maxRecordBytes: number,
    private readonly follow: boolean,
  ) {
    this.origin = path;
  }

  async open(options: SourceOpenOptions): Promise<void> {
    try {
      // 'a+' creates a followed log that nobody has written to yet; reads still go to the positions asked for.
      this.handle = await open(this.path, this.follow ? 'a+' : 'r');
    } catch (err) {
      throw new FlywheelError(
        ErrorCodes.SOURCE,
        `cannot open input file ${this.path}: ${(err as Error).message}`,
        { stepId: this.id, file: this.path },
        'check the path (relative paths are resolved against the topology file)',
        err,
      );
    }
    const next = options.startOffsets.get(0) ?? 0;
    // `next` is one past the start of the last line applied: that line is skipped through its newline.
    this.position = next > 0 ? next - 1 : 0;
    this.carryStart = this.position;
    if (next > 0) this.skipping = { oversized: null };
  }

  partitions(): readonly number[] {
    return [0];
  }

  async poll(max: number): Promise<SourceRecord[]> {
    while (this.pending.length < max && !this.eof) {
      if (this.follow && (await this.handle!.stat()).size <= this.position) break;
      await this.readChunk();
    }
    return this.pending.splice(0, max);
  }

  finished(): boolean {
    return !this.follow && this.eof && this.pending.length === 0;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }

  private async readChunk(): Promise<void> {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const chunkStart = this.position;
    const { bytesRead } = await this.handle!.read(buffer, 0, CHUNK, this.position);
    this.position += bytesRead;
    if (bytesRead === 0) return this.follow ? undefined : this.endOfFile();
    let fresh = buffer.subarray(0, bytesRead);
    if (this.skipping) {
      const nl = fresh.indexOf(NEWLINE);
      if (nl === -1) return this.skipped(bytesRead);
      this.skipped(nl);
      this.endSkip();
      fresh = fresh.subarray(nl + 1);
      this.carryStart = chunkStart + nl + 1;
    }
    const data = this.carry.length ? Buffer.concat([this.carry, fresh]) : fresh;
    let lineStart = 0;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, lineStart)) {
      this.addLine(data.subarray(lineStart, nl), this.carryStart + lineStart);
      lineStart = nl + 1;
    }
    const tail = data.subarray(lineStart);
    const tailStart = this.carryStart + lineStart;
    if (tail.length > this.maxRecordBytes) {
      this.skipping = { oversized: { start: tailStart, head: Buffer.from(tail.subarray(0, RAW_KEPT_OF_OVERSIZED)), size: tail.length } };
      this.carry = Buffer.alloc(0);
    } else {
      this.carry = Buffer.from(tail);
    }
    this.carryStart = tailStart;
  }

  private skipped(bytes: number): void {
    if (this.skipping?.oversized) this.skipping.oversized.size += bytes;
  }

  /** The skipped line ended: an over-long one becomes its dead letter. */
  private endSkip(): void {
    const oversized = this.skipping?.oversized;
    this.skipping = null;
    if (oversized) this.pending.push(this.oversizedRecord(oversized.start, oversized.size, oversized.head));
  }

  /** A last line without a newline is a record too. */
  private endOfFile(): void {
    if (this.skipping) this.endSkip();
    else if (this.carry.length) this.addLine(this.carry, this.carryStart);
    this.carry = Buffer.alloc(0);
    this.eof = true;
  }

  private addLine(bytes: Buffer, offset: number): void {
    if (isBlank(bytes)) return;
    if (bytes.length > this.maxRecordBytes) {
      this.pending.push(this.oversizedRecord(offset, bytes.length, Buffer.from(bytes.subarray(0, RAW_KEPT_OF_OVERSIZED))));
      return;
    }
    const decoded = decodeRecord(bytes, this.format === 'text' ? 'string' : 'json', this.limits);
    if ('value' in decoded) {
      const value = this.format === 'text' && bytes[bytes.length - 1] === CR ? (decoded.value as string).slice(0, -1) : decoded.value;
      this.pending.push({ partition: 0, offset, key: null, value, timestamp: null });
    } else {
      this.pending.push({ partition: 0, offset, key: null, value: undefined, timestamp: null, error: decoded.error, raw: Buffer.from(bytes) });
    }
  }

  private oversizedRecord(offset: number, size: number, head: Buffer): SourceRecord {
    return {
      partition: 0,
      offset,
      key: null,
      value: undefined,
      timestamp: null,
      error: `${sizeViolation(size, this.maxRecordBytes, 'maxRecordBytes')} (the dead letter keeps its first ${head.length} bytes)`,
      raw: head,
    };
  }
}

const CR = 13;

/** True for a line of spaces, tabs and carriage returns only (no record). */
function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

export const fileSourceType: SourceType<FileSourceOptions> = {
  type: 'file',
  optionsSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1 },
      format: { enum: ['json', 'text'], default: 'json' },
      follow: { type: 'boolean', default: false },
      maxRecordBytes: { type: 'integer', minimum: 1, maximum: 1 << 30, default: DEFAULT_MAX_RECORD_BYTES },
      ...recordLimitProperties,
    },
    required: ['path'],
    additionalProperties: false,
  },
  create: (options, ctx: ConnectorContext) =>
    new FileSource(
      ctx.stepId,
      resolve(ctx.baseDir, options.path),
      options.format ?? 'json',
      recordLimitsOf(options),
      options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      options.follow ?? false,
    ),
};
