/**
 * Operator commands as records: the POST routes append one JSON line per command to the rollout step's command log
 * (`commands`), which the topology reads with a file source that follows the file (`follow: true`) into the rollout
 * step, keyed by rollout. A command thus reaches state the way every other input does, exactly once and in order,
 * and survives a restart: the runtime commits the log's position with the state it changed (Flink's control streams
 * work the same way). A line that is not a command is a bad record naming what is wrong.
 */
import { appendFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { RolloutCommand, RolloutCommandName } from './rollout-decision.js';

export const COMMAND_NAMES: readonly RolloutCommandName[] = ['pause', 'resume', 'advance', 'rollback'];

export interface CommandRecord extends RolloutCommand {
  rollout: string;
}

export const isCommandRecord = (value: object): boolean => 'command' in value;

/** The command a record carries, checked field by field. */
export function commandOf(value: Record<string, unknown>): CommandRecord {
  const problem =
    typeof value.rollout !== 'string'
      ? 'no rollout id'
      : !COMMAND_NAMES.includes(value.command as RolloutCommandName)
        ? `command ${JSON.stringify(value.command)} is not one of ${COMMAND_NAMES.join(', ')}`
        : typeof value.id !== 'string' || typeof value.reason !== 'string' || typeof value.at !== 'number'
          ? 'it needs a string id, a string reason and a number at'
          : null;
  if (problem) throw new FlywheelError(ErrorCodes.BAD_RECORD, `not a rollout command: ${problem}`, {}, 'send commands through POST /rollouts/:id/<command>');
  return {
    rollout: value.rollout as string,
    command: value.command as RolloutCommandName,
    id: value.id as string,
    reason: value.reason as string,
    at: value.at as number,
  };
}

/** Appends a new command to the log (one write of one line, so concurrent appends do not interleave) and returns it. */
export async function appendCommand(log: string, rollout: string, command: RolloutCommandName, reason: string): Promise<CommandRecord> {
  const record: CommandRecord = { rollout, command, reason, id: randomUUID(), at: Date.now() };
  await appendFile(log, `${JSON.stringify(record)}\n`, { flag: 'a' });
  return record;
}
