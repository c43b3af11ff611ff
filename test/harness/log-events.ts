/** The JSON log events a job process wrote to its piped stdout (src/runtime/job-log.ts), in order. */
export interface LogEvent {
  level: number;
  time: string;
  job: string;
  event?: string;
  msg: string;
  [field: string]: unknown;
}

export function logEvents(stdout: string): LogEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEvent);
}
