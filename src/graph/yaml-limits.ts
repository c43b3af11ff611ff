/**
 * Limits on topology input, checked before the YAML parser builds a document: a file larger than MAX_TOPOLOGY_BYTES
 * is refused after reading at most that many bytes, and one of more than MAX_TOPOLOGY_TOKENS YAML tokens after
 * lexing that many (the shipped topologies have under 1,300; building a document of one mapping grows faster than
 * its size: 20,000 keys took 8-10 s, and a 45 MB file of 2 million keys kept validate busy for minutes). Aliases are
 * capped so a small file cannot expand into a huge value (the "billion laughs" pattern).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Lexer } from 'yaml';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

export const MAX_TOPOLOGY_BYTES = 1024 * 1024;

/** About 2,500 `key: value` lines; a document this size builds in about a second on the project's machine. */
export const MAX_TOPOLOGY_TOKENS = 20_000;

/** How many alias nodes (`*name`) toJS may resolve in one topology; each may copy a whole anchored node. */
export const MAX_ALIAS_COUNT = 100;

/** The file's text, or an error naming the line at which it passes the size limit. */
export function readTopologyText(path: string, maxBytes = MAX_TOPOLOGY_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new FlywheelError(
      ErrorCodes.TOPOLOGY_INVALID,
      `cannot read topology: ${(err as Error).message}`,
      { file: path },
      'check the path of the topology file',
    );
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

/** Refuses a text of more YAML tokens than the limit, naming the line of the first token past it. */
export function checkTokenCount(path: string, text: string, maxTokens = MAX_TOPOLOGY_TOKENS): void {
  let tokens = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > maxTokens) {
      const line = countLines(Buffer.from(text.slice(0, offset)));
      throw new FlywheelError(
        ErrorCodes.TOPOLOGY_INVALID,
        `the topology has more than ${maxTokens} YAML tokens (the limit is passed on line ${line})`,
        { file: path, line },
        'a topology describes steps and settings; keep data (rules, feature lists) in files the steps read',
      );
    }
    offset += token.length;
  }
}

function countLines(bytes: Buffer): number {
  let lines = 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}
