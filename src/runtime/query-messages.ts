/**
 * What crosses between the job's main thread and its query endpoint (a thread or a child process): start-up data,
 * the job's watermark, requests for metrics (text or values), readiness and recent dead letters and their replies,
 * the endpoint's own metrics when the main thread collects them, and the endpoint's start-up outcome.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
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

/** An endpoint's own metrics, as prom-client's JSON, for the main thread to combine those of several processes. */
export type EndpointMetrics = Array<MetricObjectWithValues<MetricValue<string>>>;

/** Main thread to endpoint. */
export type ToQueryEndpoint =
  | { kind: 'start'; data: QueryEndpointData }
  | { kind: 'watermark'; value: number }
  | { kind: 'reply'; reply: QueryEndpointReply }
  | { kind: 'collect'; id: number }
  | { kind: 'close' };

/** Endpoint to main thread. */
/** `log`: one of the endpoint's log events as a JSON line (an error answered as a 500), for the job's log. */
export type FromQueryEndpoint =
  | { kind: 'loaded' }
  | { kind: 'request'; request: QueryEndpointRequest }
  | { kind: 'collected'; id: number; metrics: EndpointMetrics }
  | { kind: 'listening'; url: string; address: string }
  | { kind: 'error'; error: PlainError }
  | { kind: 'log'; line: string };

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
