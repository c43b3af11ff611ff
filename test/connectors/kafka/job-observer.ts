/**
 * What the outage and backpressure tests read of a running job: its readiness over HTTP, its keyed running totals
 * and applied source offsets straight from LMDB, and a polling wait with a deadline that says what it waited for.
 */
import { openState } from '../../../src/state/backend.js';
import { storedOutputs } from '../../../src/state/outbox-chunks.js';
import type { Totals } from '../../runtime/fixtures/jobs.js';

export async function readyz(url: string): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { reasons: string[] };
  return { status: res.status, reasons: body.reasons };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Running totals per user of a process step, as LMDB holds them (value state `running`). */
export function runningTotals(stateDir: string, stepId: string): Map<string, Totals> {
  const dbs = openState(stateDir);
  const out = new Map<string, Totals>();
  for (const { key, value } of dbs.state.getRange({ start: [stepId], end: [stepId + '\u0000'] })) {
    const [, , user, tag, name] = key as [string, number, string, string, string];
    if (tag === 'v' && name === 'running') out.set(user, (value as [Totals])[0]);
  }
  return out;
}

/** Applied source offsets in LMDB: per source partition id (`step:partition`), the last offset each holder applied. */
export function appliedOffsets(stateDir: string): Map<string, number[]> {
  const dbs = openState(stateDir);
  const out = new Map<string, number[]>();
  for (const { key, value } of dbs.progress.getRange({ start: ['applied'], end: ['applied\u0000'] })) {
    const pid = (key as [string, number, number, string])[3];
    out.set(pid, [...(out.get(pid) ?? []), value as number]);
  }
  return out;
}

/** Outputs in the outbox, not yet acknowledged by their sink. */
export function outboxSize(stateDir: string): number {
  return storedOutputs(openState(stateDir).outbox).reduce((n, s) => n + s.outputs.length, 0);
}
