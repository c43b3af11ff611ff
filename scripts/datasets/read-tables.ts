/**
 * Reading the validation datasets: gzip files of rows split by commas (with double-quoted fields that may hold
 * commas), tabs, or runs of spaces, with LF or CRLF line ends. Rows come back as arrays of strings.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type Separator = 'comma' | 'tab' | 'spaces';

/** Splits one comma-separated line, honouring double quotes ("" inside quotes is a quote). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

const splitters: Record<Separator, (line: string) => string[]> = {
  comma: splitCsvLine,
  tab: (line) => line.split('\t'),
  spaces: (line) => line.trim().split(/\s+/),
};

/** The non-empty rows of a gzip text file. */
export function readGzipRows(path: string, separator: Separator): string[][] {
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(splitters[separator]);
}

/** A gzip CSV with a header row, as objects keyed by column name. */
export function readGzipCsv(path: string): Array<Record<string, string>> {
  const [header, ...rows] = readGzipRows(path, 'comma');
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i] ?? ''])));
}
