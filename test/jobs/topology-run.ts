/**
 * Runs a topology given as YAML text to the end of its bounded input, in a temporary directory that holds the file,
 * its state and its file sinks, on the real runtime; then serves its query routes in process (app.inject).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { buildQueryApp } from '../../src/query/app.js';
import { jobView } from '../../src/runtime/job-view.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { JobRunner } from '../../src/runtime/runner.js';

export interface FinishedRun {
  dir: string;
  app: FastifyInstance;
  /** The records a file sink wrote, by its path relative to the topology. */
  written(path: string): Array<{ id: string; value: unknown; headers?: Record<string, string> }>;
  /** Closes the query app and removes the directory. */
  dispose(): Promise<void>;
}

export async function runTopologyText(yaml: string, prefix: string): Promise<FinishedRun> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, yaml);
  const { graph } = await loadTopology(file);
  const stateDir = join(dir, 'state');
  const runner = new JobRunner({ job: { kind: 'topology', file }, graph, stateDir, baseDir: dir, workers: 2, slots: 4 });
  await runner.run();
  const app = buildQueryApp(jobView(runner, stateDir), routeContributions(graph));
  return {
    dir,
    app,
    written: (path) =>
      readFileSync(join(dir, path), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    dispose: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
