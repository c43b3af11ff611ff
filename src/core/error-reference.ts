/** Renders the error catalogue (errors.ts) as the Markdown reference docs/errors.md. */
import { ErrorCodeReference } from './errors.js';

export function errorReferenceMarkdown(): string {
  const entries = Object.entries(ErrorCodeReference).map(([code, e]) => `## ${code}\n\n${e.meaning}\n\nWhat to do: ${e.action}\n`);
  return [
    '# Error codes',
    '',
    'Every error Flywheel raises carries one of these codes, says where it happened (step id, key, source partition and',
    'offset, file, YAML path and line, as far as they apply) and what to do. Generated from `src/core/errors.ts` by',
    '`npm run docs:errors`; a test fails when this file is not current.',
    '',
    ...entries,
  ].join('\n');
}
