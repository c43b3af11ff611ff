/** docs/errors.md is the catalogue as it stands: every code, with its meaning and what to do, and nothing else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCodes } from '../../src/core/errors.js';
import { errorReferenceMarkdown } from '../../src/core/error-reference.js';

const docs = new URL('../../../docs/errors.md', import.meta.url);

test('docs/errors.md is current with the error catalogue (regenerate it with npm run docs:errors)', () => {
  assert.equal(readFileSync(docs, 'utf8'), errorReferenceMarkdown());
});

test('the reference has a section for every code of the catalogue', () => {
  const sections = [...errorReferenceMarkdown().matchAll(/^## (FW_ERR_\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(sections.sort(), Object.values(ErrorCodes).sort());
});
