/**
 * The feature store written as a plain single-threaded loop, the "no framework" baseline of the throughput
 * benchmark: generated events -> parse (bad ones dropped) -> the same user and item feature functions, run by
 * PlainKeyedProcess with state in Maps; watermark = highest event time seen minus the jobs' delay; everything left
 * fires at the end of input. Returns the number of changes emitted.
 */
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import type { EcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';
import { hasItem } from '../../src/jobs/events/keys.js';
import { parseEvent, type BehaviourEvent } from '../../src/jobs/events/parse-event.js';
import { itemFeatures, userFeatures } from '../../src/jobs/features/processors.js';
import { BENCH_OUT_OF_ORDERNESS, itemFeatureOptions, userFeatureOptions } from './bench-settings.js';
import { PlainKeyedProcess } from './plain-keyed-process.js';

export function plainFeatureStore(generator: Partial<EcommerceOptions>): number {
  let changes = 0;
  const count = () => void changes++;
  const users = new PlainKeyedProcess(userFeatures(userFeatureOptions), count);
  const items = new PlainKeyedProcess(itemFeatures(itemFeatureOptions), count);
  let highest = -Infinity;
  for (const raw of ecommerceEvents(generator)) {
    let e: BehaviourEvent;
    try {
      e = parseEvent(raw);
    } catch {
      continue;
    }
    users.onRecord(e.userId, e, e.ts);
    if (hasItem(e)) items.onRecord(e.itemId!, e, e.ts);
    if (e.ts > highest) {
      highest = e.ts;
      users.advance(highest - BENCH_OUT_OF_ORDERNESS);
      items.advance(highest - BENCH_OUT_OF_ORDERNESS);
    }
  }
  users.advance(Infinity);
  items.advance(Infinity);
  return changes;
}
