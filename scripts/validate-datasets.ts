/**
 * Replays the real datasets of the validation folder (Hillstrom, Cookie Cats, LaLonde) through the experiment
 * statistics in batch and prints the figures, as Markdown, beside the published ones. Not a test: a fresh clone has
 * no datasets folder.
 *   npx tsc -p scripts/tsconfig.json && node dist/scripts/validate-datasets.js [datasets folder]
 * The folder defaults to ../shared/datasets beside the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lalonde } from './datasets/lalonde.js';
import { cookieCats, hillstrom } from './datasets/randomized.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const folder = resolve(process.argv[2] ?? resolve(repository, '..', 'shared', 'datasets'));
if (!existsSync(folder)) {
  process.stderr.write(`no datasets folder at ${folder}; pass its path as the first argument\n`);
  process.exit(1);
}
process.stdout.write([hillstrom(folder), cookieCats(folder), lalonde(folder)].join('\n\n') + '\n');
