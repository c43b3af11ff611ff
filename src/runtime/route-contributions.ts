/** The query routes a job's steps contribute, found the same way on the main thread and in the query endpoint (thread or process). */
import type { JobGraph } from '../graph/model.js';
import type { RouteContribution } from '../query/app.js';
import type { QueryRoutes } from '../query/runtime-view.js';

/** Routes contributed by process steps whose processor carries `queryRoutes`. */
export function routeContributions(graph: JobGraph): RouteContribution[] {
  return graph.steps
    .filter((s) => s.kind === 'process')
    .flatMap((s) => {
      const routes = (s.code.processor as { queryRoutes?: QueryRoutes } | undefined)?.queryRoutes;
      return routes ? [{ stepId: s.id, routes }] : [];
    });
}
