/**
 * The payload half of the crash tests' contract: a run that was killed and restarted delivers, under each output id,
 * exactly what the uninterrupted run delivered under that id (deep equality of the decoded payload: key, timestamp,
 * value), and every duplicate delivery of an id carries the same payload as the others. The id sets themselves are
 * checked by each test; this compares what the ids carry. Also reads a file sink's deliveries.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

export interface Delivery {
  id: string;
  payload: unknown;
}

/** How many mismatches a failure lists in full; the count covers all of them. */
const SHOWN = 5;

/**
 * Asserts that every delivery in `got` carries the payload of the delivery of the same id in `expected` (the
 * uninterrupted run, one delivery per id) and that the deliveries of an id agree with each other. Ids missing on
 * either side are the id-set checks' business and are skipped here. Returns how many ids were delivered more than once.
 */
export function assertSamePayloads(expected: readonly Delivery[], got: readonly Delivery[], what: string): { duplicatedIds: number } {
  const reference = new Map(expected.map((d) => [d.id, d.payload]));
  const byId = new Map<string, unknown[]>();
  for (const d of got) {
    const list = byId.get(d.id);
    if (list) list.push(d.payload);
    else byId.set(d.id, [d.payload]);
  }
  const disagreeing: string[] = [];
  const different: string[] = [];
  let duplicatedIds = 0;
  for (const [id, payloads] of byId) {
    if (payloads.length > 1) {
      duplicatedIds++;
      const other = payloads.find((p) => !isDeepStrictEqual(p, payloads[0]));
      if (other !== undefined) disagreeing.push(`${id}: ${JSON.stringify(payloads[0])} and ${JSON.stringify(other)}`);
    }
    if (!reference.has(id)) continue;
    const want = reference.get(id);
    const wrong = payloads.find((p) => !isDeepStrictEqual(p, want));
    if (wrong !== undefined) different.push(`${id}: got ${JSON.stringify(wrong)}, the uninterrupted run ${JSON.stringify(want)}`);
  }
  assert.equal(
    disagreeing.length,
    0,
    `${what}: ${disagreeing.length} output ids delivered more than once with different payloads, e.g.\n${disagreeing.slice(0, SHOWN).join('\n')}`,
  );
  assert.equal(
    different.length,
    0,
    `${what}: ${different.length} output ids whose payload differs from the uninterrupted run's, e.g.\n${different.slice(0, SHOWN).join('\n')}`,
  );
  return { duplicatedIds };
}

/** A file sink's lines in order: each output's id, and the rest of its line (key, timestamp, value) as its payload. */
export function fileSinkDeliveries(file: string): Delivery[] {
  if (!existsSync(file)) return [];
  // After a kill the last line may be torn (the sink cuts it off when the job starts again): read complete lines only.
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { id, ...payload } = JSON.parse(line) as { id: string };
      return { id, payload };
    });
}
