/** The caller's token name and role (GET /console/access), asked once per page: it changes only with the token. */
import type { CallerAccess } from '../../../src/query/console/access-route.js';
import { usePoll } from '../api.js';

export type { CallerAccess };

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

export const mayOperate = (caller: CallerAccess): boolean => RANK[caller.role] >= RANK.operator;

export function useCallerAccess(): CallerAccess | null {
  return usePoll<CallerAccess>('console/access', 600_000).data;
}
