/**
 * Replays the real datasets of the validation folder (Hillstrom, Cookie Cats, LaLonde) through the experiment
 * statistics in batch and prints the figures, as Markdown, beside the published ones; with --kafka, through Kafka
 * (the dev broker) into the running experiment job instead, printing what its HTTP route serves. Not a test: a
 * fresh clone has no datasets folder.
 *   npx tsc -p scripts/tsconfig.json && node dist/scripts/validate-datasets.js [--kafka] [datasets folder]
 * The folder defaults to ../shared/datasets beside the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cookieCatsKafka, hillstromKafka, lalondeKafka } from './datasets/kafka-validation.js';
import { lalonde } from './datasets/lalonde.js';
import { cookieCats, hillstrom } from './datasets/randomized.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const kafka = args.includes('--kafka');
const folder = resolve(args.find((a) => a !== '--kafka') ?? resolve(repository, '..', 'shared', 'datasets'));
if (!existsSync(folder)) {
  process.stderr.write(`no datasets folder at ${folder}; pass its path as the first argument\n`);
  process.exit(1);
}
const sections = kafka
  ? [await hillstromKafka(folder), await cookieCatsKafka(folder), await lalondeKafka(folder)]
  : [hillstrom(folder), cookieCats(folder), lalonde(folder)];
process.stdout.write(sections.join('\n\n') + '\n');
