/**
 * Writes docs/errors.md from the error catalogue (src/core/errors.ts), through the built module:
 *   npm run docs:errors
 */
import { writeFileSync } from 'node:fs';
import { errorReferenceMarkdown } from '../dist/src/core/error-reference.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), errorReferenceMarkdown());
