/** What crosses between the main thread and the query thread: start-up data, and requests for metrics and readiness. */
import type { JobRef } from './messages.js';

export interface QueryThreadData {
  job: JobRef;
  graphHash: string;
  jobName: string;
  stateDir: string;
  keyGroups: number;
  topology: unknown;
  contentType: string;
  port: number;
  host: string;
  /** One float64: the job's current watermark, written by the main thread. */
  watermark: SharedArrayBuffer;
}

export interface QueryThreadRequest {
  id: number;
  kind: 'metrics' | 'readiness';
}

export interface QueryThreadReply {
  id: number;
  text?: string;
  reasons?: string[];
}
