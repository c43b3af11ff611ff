/**
 * Limits on topology input, checked before the YAML parser sees it: a file larger than MAX_TOPOLOGY_BYTES is
 * refused after reading at most that many bytes (the shipped topologies are under 5 KB; a 45 MB file of 2 million keys
 * kept the parser and schema check busy for minutes), and aliases are capped so a small file cannot expand into a
 * huge value (the "billion laughs" pattern).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ErrorCodes, FlywheelError } from '../runtime/errors.js';

export const MAX_TOPOLOGY_BYTES = 1024 * 1024;

/** How many alias nodes (`*name`) toJS may resolve in one topology; each may copy a whole anchored node. */
export const MAX_ALIAS_COUNT = 100;

/** The file's text, or an error naming the line at which it passes the size limit. */
export function readTopologyText(path: string, maxBytes = MAX_TOPOLOGY_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new FlywheelError(ErrorCodes.TOPOLOGY_INVALID, `cannot read topology: ${(err as Error).message}`, { file: path }, 'check the path of the topology file');
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) {
      const line = countLines(buffer.subarray(0, maxBytes));
      throw new FlywheelError(
        ErrorCodes.TOPOLOGY_INVALID,
        `the topology is larger than ${maxBytes} bytes (the limit is passed on line ${line})`,
        { file: path, line },
        'a topology describes steps and settings; keep data (rules, feature lists) in files the steps read',
      );
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function countLines(bytes: Buffer): number {
  let lines = 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}
