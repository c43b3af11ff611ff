/**
 * Per-route request metrics of the query endpoint, in the registry the endpoint exposes at /metrics:
 *   flywheel_query_request_seconds{method, route, status}  histogram of the time the endpoint spent on a request,
 *     from the request being parsed to the answer being written (fastify's reply.elapsedTime on routes it serves).
 * Buckets start at 10 us: a ready answer takes tens of microseconds, a decoded one a few hundred.
 * A label child is made once per method, route and status and kept.
 */
import { Histogram, type Registry } from 'prom-client';

const NAME = 'flywheel_query_request_seconds';
const BUCKETS = [0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1];

type Child = ReturnType<Histogram<'method' | 'route' | 'status'>['labels']>;

export class RequestMetrics {
  private readonly histogram: Histogram<'method' | 'route' | 'status'> | null;
  private readonly children = new Map<string, Child>();

  constructor(registry: Registry | undefined) {
    if (registry === undefined) {
      this.histogram = null;
      return;
    }
    // A registry shared by several apps (a job's main-thread view built twice) keeps one histogram.
    this.histogram =
      (registry.getSingleMetric(NAME) as Histogram<'method' | 'route' | 'status'> | undefined) ??
      new Histogram({
        name: NAME,
        help: 'Time the query endpoint spent per request, by route and status',
        labelNames: ['method', 'route', 'status'],
        buckets: BUCKETS,
        registers: [registry],
      });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    if (this.histogram === null) return;
    const id = `${method} ${status} ${route}`;
    let child = this.children.get(id);
    if (child === undefined) this.children.set(id, (child = this.histogram.labels({ method, route, status: String(status) })));
    child.observe(seconds);
  }
}
