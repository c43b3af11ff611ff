/**
 * A job's log: pino events, one JSON object a line, with the job's name and, where they apply, the step (`step`),
 * the error code (`code`) and what happened (`event`: listening, started, status, retry, dead-letters, stopping,
 * finished, failed...). On a terminal each event is printed for people instead, as `[job] message` (the status line
 * among them). Every line passes through the job's redactor, so no secret setting reaches the log.
 */
import { pino, type Logger } from 'pino';
import { Redactor } from '../graph/secrets.js';

export type LogFormat = 'json' | 'human';

export interface JobLogOptions {
  redactor?: Redactor;
  /** Receives each line without its newline; default: stdout. */
  write?: (line: string) => void;
  /** Default: `human` on a terminal, `json` otherwise (a pipe, a file, a log collector). */
  format?: LogFormat;
}

interface LogRecord {
  level: number;
  time?: string;
  pid?: number;
  job?: string;
  msg?: string;
  [field: string]: unknown;
}

/** The line a person reads for one event: `[job] message`. */
export function humanLine(json: string): string {
  const record = JSON.parse(json) as LogRecord;
  return `[${record.job ?? 'flywheel'}] ${record.msg ?? ''}`;
}

export function jobLogger(job: string, options: JobLogOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'human' : 'json');
  const redactor = options.redactor ?? new Redactor([]);
  const write = options.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const destination = {
    write(chunk: string): void {
      const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      write(format === 'human' ? humanLine(line) : line);
    },
  };
  return pino({ base: { pid: process.pid, job }, timestamp: pino.stdTimeFunctions.isoTime, hooks: { streamWrite: (s) => redactor.text(s) } }, destination);
}

/**
 * A logger whose events go, as JSON lines, to `send` (the query endpoint's thread or process hands them to the job's
 * log with relayLogLine). Only warnings and errors: requests are not logged, as their headers carry tokens.
 */
export function relayedLogger(job: string, send: (line: string) => void): Logger {
  return pino({ base: { job }, level: 'warn' }, { write: (chunk: string) => send(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) });
}

/** Logs an event relayed from another thread or process through `log`, keeping its level and fields. */
export function relayLogLine(log: Logger, line: string): void {
  const { level, time: _time, pid: _pid, job: _job, msg, ...fields } = JSON.parse(line) as LogRecord;
  const label = pino.levels.labels[level] ?? 'info';
  log[label as pino.Level](fields, msg ?? '');
}
