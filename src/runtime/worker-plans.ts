/**
 * The job as a worker thread knows it: loaded once per thread from its reference, planned, and checked against the
 * graph hash the main thread runs, so every task of a thread works on provably the same job.
 */
import type { JobGraph } from '../graph/model.js';
import { planGraph, type Plan } from '../graph/planner.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { loadJobGraph } from './job-loader.js';
import type { JobRef } from './messages.js';

const plans = new Map<string, Promise<Plan>>();

export async function checkedPlan(job: JobRef, slots: number, graphHash: string): Promise<Plan> {
  const id = `${JSON.stringify(job)}#${slots}`;
  let planned = plans.get(id);
  if (!planned) {
    planned = loadJobGraph(job).then((graph: JobGraph) => planGraph(graph, slots));
    plans.set(id, planned);
  }
  const plan = await planned;
  if (plan.graph.hash !== graphHash) {
    throw new FlywheelError(
      ErrorCodes.GRAPH_MISMATCH,
      `worker built graph ${plan.graph.hash}, main thread runs ${graphHash}`,
      {},
      'the job module must build the same graph on every import: no randomness or environment-dependent steps',
    );
  }
  return plan;
}
