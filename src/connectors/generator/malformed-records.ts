/**
 * Malformed records for testing dead letters, each derived from a real event: a payload that is not JSON at all
 * (cut short), or JSON that breaks the event contract (userId or ts missing, ts or userId of the wrong type, an
 * unknown event type). The kind is chosen by the caller's seeded stream, so the record at an offset never changes.
 */

import { Undecodable } from '../connector.js';

export const MALFORMED_KINDS = ['undecodable', 'missingUserId', 'missingTs', 'tsAsString', 'userIdAsNumber', 'unknownType'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** The malformed version of `event` of the given kind. */
export function malformedRecord<E extends { userId: string; ts: number }>(event: E, kind: MalformedKind): Record<string, unknown> | Undecodable {
  switch (kind) {
    case 'undecodable': {
      const json = JSON.stringify(event);
      return new Undecodable(json.slice(0, Math.ceil(json.length / 2)), 'not JSON: the payload is cut short');
    }
    case 'missingUserId': {
      const { userId: _userId, ...rest } = event;
      return rest;
    }
    case 'missingTs': {
      const { ts: _ts, ...rest } = event;
      return rest;
    }
    case 'tsAsString':
      return { ...event, ts: new Date(event.ts).toISOString() };
    case 'userIdAsNumber':
      return { ...event, userId: Number(event.userId.slice(1)) };
    case 'unknownType':
      return { ...event, type: 'refund' };
  }
}
