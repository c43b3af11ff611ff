/**
 * What crosses between the job's main thread and its query endpoint (a thread or a child process): start-up data,
 * the job's watermark, requests for metrics (text or values), readiness and recent dead letters and their replies, and the endpoint's start-up outcome.
 */
import type { PlainError } from '../core/errors.js';
import type { JobRef } from './messages.js';
import type { EndpointSecurity } from './endpoint-security.js';
import type { MetricValues } from '../query/runtime-view.js';
import type { DeadLetterPage, DeadLetterQuery } from './recent-dead-letters.js';

export interface QueryEndpointData {
  job: JobRef;
  graphHash: string;
  jobName: string;
  stateDir: string;
  keyGroups: number;
  topology: unknown;
  contentType: string;
  port: number;
  host: string;
  /** Token hashes and roles, and the TLS PEM texts (endpoint-security.ts). */
  security: EndpointSecurity;
  /** The job's watermark when the endpoint starts (then sent every 100 ms). */
  watermark: number;
}

/** Main thread to endpoint. */
export type ToQueryEndpoint = { kind: 'start'; data: QueryEndpointData } | { kind: 'watermark'; value: number } | { kind: 'reply'; reply: QueryEndpointReply } | { kind: 'close' };

/** Endpoint to main thread. */
export type FromQueryEndpoint = { kind: 'loaded' } | { kind: 'request'; request: QueryEndpointRequest } | { kind: 'listening'; url: string; address: string } | { kind: 'error'; error: PlainError };

export interface QueryEndpointRequest {
  id: number;
  kind: 'metrics' | 'metricValues' | 'readiness' | 'liveness' | 'deadLetters';
  /** Which dead letters (kind deadLetters). */
  deadLetters?: DeadLetterQuery;
}

export interface QueryEndpointReply {
  id: number;
  text?: string;
  reasons?: string[];
  live?: boolean;
  values?: MetricValues;
  deadLetters?: DeadLetterPage;
}
