/**
 * The file sink (type `file`): appends one JSON line per record, `{id, key, timestamp, value, headers?}`. A write is
 * acknowledged once the operating system has the bytes (it survives a process crash); `fsync: true` also waits for
 * the disk.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SinkConnector, SinkRecord, SinkType } from '../connector.js';

interface FileSinkOptions {
  path: string;
  fsync?: boolean;
}

class FileSink implements SinkConnector {
  private handle: FileHandle | null = null;

  constructor(
    readonly id: string,
    readonly destination: string,
    private readonly fsync: boolean,
  ) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.destination), { recursive: true });
    this.handle = await open(this.destination, 'a');
  }

  async write(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const r of records) {
      text += JSON.stringify({ id: r.id, key: r.key, timestamp: r.timestamp, value: r.value, ...(r.headers ? { headers: r.headers } : {}) }) + '\n';
    }
    await this.handle!.write(text);
    if (this.fsync) await this.handle!.sync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}

export const fileSinkType: SinkType<FileSinkOptions> = {
  type: 'file',
  optionsSchema: {
    type: 'object',
    properties: { path: { type: 'string', minLength: 1 }, fsync: { type: 'boolean', default: false } },
    required: ['path'],
    additionalProperties: false,
  },
  create: (options, ctx) => new FileSink(ctx.stepId, resolve(ctx.baseDir, options.path), options.fsync ?? false),
};
