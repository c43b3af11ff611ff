/**
 * The JSON record limits (jsonLimitViolation, through decodeRecord) at their edge: the shortest texts that nest
 * exactly maxDepth levels, of arrays, of objects and of both alternating, decode; one level more is refused. The
 * shortest texts are where the character bounds that spare most texts a scan are tight, so a bound one character
 * too generous lets the deeper text through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../../src/connectors/record-decode.js';
import type { RecordLimits } from '../../src/connectors/record-limits.js';

/** The shortest JSON text nesting `depth` levels, level i an object when `objectAt(i)`. */
function shortest(depth: number, objectAt: (level: number) => boolean): string {
  let text = objectAt(depth - 1) ? '{}' : '[]';
  for (let level = depth - 2; level >= 0; level--) text = objectAt(level) ? `{"":${text}}` : `[${text}]`;
  return text;
}

const shapes: Record<string, (level: number) => boolean> = {
  arrays: () => false,
  objects: () => true,
  alternating: (level) => level % 2 === 0,
  'objects in one array': (level) => level > 0,
};

test('the shortest JSON texts nesting maxDepth levels decode; one level more is refused naming maxDepth', () => {
  for (const maxDepth of [1, 2, 5, 100, 1_000]) {
    const limits: RecordLimits = { maxDepth, maxKeys: 10_000 };
    for (const [name, objectAt] of Object.entries(shapes)) {
      const within = shortest(maxDepth, objectAt);
      assert.deepEqual(decodeRecord(Buffer.from(within), 'json', limits), { value: JSON.parse(within) }, `${name}, ${maxDepth} levels`);
      const deeper = shortest(maxDepth + 1, objectAt);
      assert.deepEqual(
        decodeRecord(Buffer.from(deeper), 'json', limits),
        { error: `record limit maxDepth: nested deeper than ${maxDepth} levels` },
        `${name}, ${maxDepth + 1} levels`,
      );
    }
  }
});

test('brackets inside strings do not count as levels, nor do sibling containers', () => {
  const limits: RecordLimits = { maxDepth: 3, maxKeys: 100 };
  const text = JSON.stringify({ s: '[[[[[{{{{{'.repeat(30), list: Array.from({ length: 60 }, () => [1]) });
  assert.deepEqual(decodeRecord(Buffer.from(text), 'json', limits), { value: JSON.parse(text) });
});
