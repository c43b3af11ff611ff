/**
 * Pushes events through a feature processor on the operator harness the way a source with bounded out-of-orderness
 * would: each event keyed, and every few events the watermark moved to (highest ts so far - jitter).
 */
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import type { FeatureProcessor } from '../../../src/jobs/features/processors.js';
import { OperatorHarness } from '../../harness/operator-harness.js';

export interface DriveOptions {
  keyOf(e: BehaviourEvent): string | undefined;
  jitter: number;
  watermarkEvery?: number;
}

export function featureHarness(processor: FeatureProcessor): OperatorHarness {
  return OperatorHarness.of('process', {}, { processor });
}

/** Feeds `events` and returns the highest ts seen. */
export function drive(h: OperatorHarness, events: readonly BehaviourEvent[], o: DriveOptions): number {
  let maxTs = -Infinity;
  events.forEach((e, i) => {
    const key = o.keyOf(e);
    if (key === undefined) return;
    h.processElement(key, e, e.ts);
    maxTs = Math.max(maxTs, e.ts);
    if ((i + 1) % (o.watermarkEvery ?? 25) === 0) h.processWatermark(maxTs - o.jitter);
  });
  return maxTs;
}

export function records(h: OperatorHarness): FeatureRecord[] {
  return h.outputs.map((o) => o.value as FeatureRecord);
}
