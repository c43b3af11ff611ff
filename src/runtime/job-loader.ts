/**
 * Loads a job from its reference, the same way on the main thread and in every worker: a TypeScript job is a module
 * export (a frozen graph); a YAML topology is compiled by the loader. Workers check the graph hash against the main
 * thread's, so they provably run the same job.
 */
import { pathToFileURL } from 'node:url';
import type { JobGraph } from '../graph/model.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { JobRef } from './messages.js';

export async function loadJobGraph(ref: JobRef): Promise<JobGraph> {
  if (ref.kind === 'topology') {
    const { loadTopology } = await import('../graph/yaml-loader.js');
    return (await loadTopology(ref.file)).graph;
  }
  const module = (await import(ref.url)) as Record<string, unknown>;
  const graph = module[ref.exportName] as JobGraph | undefined;
  if (!graph || typeof graph !== 'object' || !Array.isArray(graph.steps) || typeof graph.hash !== 'string') {
    throw new FlywheelError(
      ErrorCodes.MODULE_EXPORT,
      `export '${ref.exportName}' of ${ref.url} is not a job`,
      {},
      `export the result of job(...) as '${ref.exportName}'; exports found: ${Object.keys(module).join(', ') || 'none'}`,
    );
  }
  return graph;
}

export function moduleJobRef(modulePath: string, exportName = 'default'): JobRef {
  return { kind: 'module', url: pathToFileURL(modulePath).href, exportName };
}
