/**
 * A job's connectors from its steps: options validated against the connector type's schema (defaults filled in),
 * then opened with retry (a broker that is not up yet); sources at the offsets state says to resume from. Worker
 * threads that read a source themselves (worker intake) create it the same way, without opening it. A source step
 * with `personalData` gets its connector wrapped so its records come out hashed. Before any of
 * that, each connector type may check its options without connecting (checkConnectors).
 */
import type { SinkConnector, SourceConnector } from '../connectors/connector.js';
import { sinkType, sourceType } from '../connectors/registry.js';
import type { RecentDeadLetters } from './recent-dead-letters.js';
import { PersonalDataSource } from '../connectors/personal-data/hashed-source.js';
import { personalDataHasher } from '../connectors/personal-data/personal-data-hasher.js';
import { resolvePersonalData } from '../connectors/personal-data/personal-data-options.js';
import type { ConnectorSpec, JobGraph, StepSpec } from '../graph/model.js';
import { openWithRetry, type RetryHooks } from './connect-retry.js';
import { checkedOptions } from './connector-options.js';
import { FlywheelError } from '../core/errors.js';
import { sourceError } from './source-intake.js';

export function createSource(step: StepSpec, jobName: string, baseDir: string): SourceConnector {
  const spec = step.config.connector as ConnectorSpec;
  const type = sourceType(spec.type);
  const connector = type!.create(checkedOptions(step, spec, type), { jobName, baseDir, stepId: step.id });
  const personal = step.config.personalData;
  return personal === undefined ? connector : new PersonalDataSource(connector, personalDataHasher(resolvePersonalData(personal, step.id)));
}

/**
 * Runs every connector's own start-up check (options valid for its client library, such as librdkafka settings),
 * without connecting anywhere: done before the job creates or opens its state directory.
 */
export async function checkConnectors(graph: JobGraph, baseDir: string): Promise<void> {
  for (const step of graph.steps.filter((s) => s.kind === 'source' || s.kind === 'sink')) {
    const spec = step.config.connector as ConnectorSpec;
    const type = step.kind === 'source' ? sourceType(spec.type) : sinkType(spec.type);
    const options = checkedOptions(step, spec, type);
    if (step.kind === 'source' && step.config.personalData !== undefined) resolvePersonalData(step.config.personalData, step.id);
    await type!.checkOptions?.(options as never, { jobName: graph.name, baseDir, stepId: step.id });
  }
}

/** Opens every sink of the job, by step id; the dead-letter sink records what it delivers in `recent`. */
export async function openSinks(
  graph: JobGraph,
  baseDir: string,
  hooksFor: (connector: string, stepId: string) => RetryHooks,
  recent?: RecentDeadLetters,
): Promise<Map<string, SinkConnector>> {
  const sinks = new Map<string, SinkConnector>();
  for (const step of graph.steps.filter((s) => s.kind === 'sink')) {
    const spec = step.config.connector as ConnectorSpec;
    const type = sinkType(spec.type);
    const sink = type!.create(checkedOptions(step, spec, type), { jobName: graph.name, baseDir, stepId: step.id });
    await openWithRetry(`sink ${step.id}`, () => sink.open(), hooksFor(`sink ${step.id}`, step.id));
    sinks.set(step.id, recent && step.id === graph.settings.deadLetter ? recent.tap(sink) : sink);
  }
  return sinks;
}

/** Opens every source of the job at its resume offsets (`source:partition` -> next offset). */
export async function openSources(
  graph: JobGraph,
  baseDir: string,
  resumeAt: ReadonlyMap<string, number>,
  hooksFor: (connector: string, stepId: string) => RetryHooks,
): Promise<Array<{ step: StepSpec; connector: SourceConnector }>> {
  const opened: Array<{ step: StepSpec; connector: SourceConnector }> = [];
  for (const step of graph.steps.filter((s) => s.kind === 'source')) {
    const connector = createSource(step, graph.name, baseDir);
    const offsets = new Map<number, number>();
    for (const [pid, next] of resumeAt) if (pid.startsWith(`${step.id}:`)) offsets.set(Number(pid.slice(step.id.length + 1)), next);
    try {
      await openWithRetry(`source ${step.id}`, () => connector.open({ startOffsets: offsets }), hooksFor(`source ${step.id}`, step.id));
    } catch (err) {
      throw err instanceof FlywheelError ? err : sourceError(step, `source failed to open: ${(err as Error).message}`, err);
    }
    opened.push({ step, connector });
  }
  return opened;
}
