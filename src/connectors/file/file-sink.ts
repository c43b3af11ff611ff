/**
 * The file sink (type `file`): appends one JSON line per record, `{id, key, timestamp, value, headers?}`. A write is
 * acknowledged once the operating system has the bytes (it survives a process crash); `fsync: true` also waits for
 * the disk. A crash in the middle of a write can leave a torn last line; it was never acknowledged, so the records
 * in it are delivered again, and opening the sink cuts the torn tail off first so the file stays valid JSON lines.
 * With `maxBytes`, a file that has reached that size after a write is rotated: renamed to `path.1` (an earlier
 * `path.1` to `path.2`, and so on), the oldest beyond `keep` deleted, and a new file started, so the sink holds at
 * most about (keep + 1) x maxBytes on disk. A write never spans two files.
 */
import { mkdir, open, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SinkConnector, SinkRecord, SinkType } from '../connector.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

interface FileSinkOptions {
  path: string;
  fsync?: boolean;
  /** Rotate the file once it holds this many bytes; unbounded without. */
  maxBytes?: number;
  /** Rotated files kept beside the current one (path.1 the newest). */
  keep?: number;
}

interface Rotation {
  maxBytes: number;
  keep: number;
}

class FileSink implements SinkConnector {
  private handle: FileHandle | null = null;
  /** Bytes in the current file. */
  private size = 0;

  constructor(
    readonly id: string,
    readonly destination: string,
    private readonly fsync: boolean,
    private readonly rotation: Rotation | null,
  ) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.destination), { recursive: true });
    await cutTornTail(this.destination);
    this.handle = await open(this.destination, 'a');
    this.size = (await this.handle.stat()).size;
  }

  async write(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const r of records) text += this.line(r);
    await this.handle!.write(text);
    if (this.fsync) await this.handle!.sync();
    this.size += Buffer.byteLength(text);
    if (this.rotation && this.size >= this.rotation.maxBytes) await this.rotate(this.rotation.keep);
  }

  private async rotate(keep: number): Promise<void> {
    await this.handle!.close();
    const rotated = (n: number) => `${this.destination}.${n}`;
    await rm(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) await rename(rotated(n), rotated(n + 1)).catch(ignoreMissing);
    if (keep > 0) await rename(this.destination, rotated(1));
    else await rm(this.destination, { force: true });
    this.handle = await open(this.destination, 'a');
    this.size = 0;
  }

  /** A value that cannot be encoded will never be: FW_ERR_UNDELIVERABLE, which delivery does not retry. */
  private line(r: SinkRecord): string {
    try {
      return JSON.stringify({ id: r.id, key: r.key, timestamp: r.timestamp, value: r.value, ...(r.headers ? { headers: r.headers } : {}) }) + '\n';
    } catch (err) {
      throw new FlywheelError(
        ErrorCodes.UNDELIVERABLE,
        `record ${r.id} cannot be encoded as JSON: ${(err as Error).message}`,
        { stepId: this.id, file: this.destination },
        'make the step that feeds this sink emit plain data (no cycles, no deep nesting)',
        err,
      );
    }
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** Truncates a file after its last newline, if it does not end with one. */
async function cutTornTail(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return;
  }
  try {
    const { size } = await handle.stat();
    let end = size;
    const chunk = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(10);
      if (nl !== -1) {
        if (start + nl + 1 < size) await truncate(path, start + nl + 1);
        return;
      }
      end = start;
    }
    if (size > 0) await truncate(path, 0);
  } finally {
    await handle.close();
  }
}

export const fileSinkType: SinkType<FileSinkOptions> = {
  type: 'file',
  optionsSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1 },
      fsync: { type: 'boolean', default: false },
      maxBytes: { type: 'integer', minimum: 1 },
      keep: { type: 'integer', minimum: 0, maximum: 100, default: 3 },
    },
    required: ['path'],
    additionalProperties: false,
  },
  create: (options, ctx) =>
    new FileSink(
      ctx.stepId,
      resolve(ctx.baseDir, options.path),
      options.fsync ?? false,
      options.maxBytes === undefined ? null : { maxBytes: options.maxBytes, keep: options.keep ?? 3 },
    ),
};
