/**
 * What the query endpoint may see of a running job: liveness, readiness with reasons, the plan, metrics in
 * Prometheus text format (and as values, for the console), the latest dead letters, and keyed state through read
 * transactions. The runner provides it; tests can build one.
 */
import type { FastifyInstance } from 'fastify';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import type { DeadLetterPage, DeadLetterQuery } from '../runtime/recent-dead-letters.js';
import type { StateReader } from '../state/reader.js';
import type { ReadyAnswers } from './ready-answers.js';
import type { ReadyRoute } from './ready-routes.js';

export interface Readiness {
  ready: boolean;
  /** Why not ready (broker unreachable, restoring state, ...); empty when ready. */
  reasons: string[];
}

export interface RuntimeView {
  readonly jobName: string;
  /** False once the job has failed and is stopping (/healthz answers 503). */
  live(): boolean | Promise<boolean>;
  readiness(): Readiness | Promise<Readiness>;
  /** The running plan as data (stages, steps, slots, key groups). */
  topology(): unknown;
  /** Metrics in the Prometheus text exposition format. */
  metrics(): Promise<string>;
  readonly contentType: string;
  /** The job's metrics as values (prom-client's JSON form), for the console's status; absent, the status has none. */
  metricValues?(): Promise<MetricValues>;
  /** The latest dead letters the job delivered (runtime/recent-dead-letters.ts); absent, the job keeps none. */
  deadLetters?(query: DeadLetterQuery): Promise<DeadLetterPage>;
  readonly state: StateReader;
  /** Answers rendered once per stored version (over LMDB); without it, routes render at each request. */
  readonly answers?: ReadyAnswers;
  /** The job's metrics registry, where steps' routes may add metrics read at scrape time. */
  readonly registry?: Registry;
  /** Releases what the view holds open (its read-only state handle). */
  close?(): Promise<void>;
}

export type MetricValues = Array<MetricObjectWithValues<MetricValue<string>>>;

/** A step's own readiness condition, asked at each GET /readyz: a reason not to be ready, or null. */
export type ReadinessCheck = () => string | null;

/**
 * Routes a step contributes to the query endpoint (e.g. `/features/users/:id` of a feature step); a step may also add
 * a readiness check, whose reason makes /readyz answer 503 (a data-quality threshold), and answer plain GETs of a
 * route from ready answers before fastify (ready-routes.ts).
 */
export type QueryRoutes = (
  app: FastifyInstance,
  step: {
    stepId: string;
    state: StateReader;
    answers?: ReadyAnswers;
    addReadyRoute?: (route: ReadyRoute) => void;
    registry?: Registry;
    addReadinessCheck?: (check: ReadinessCheck) => void;
  },
) => void;
