/**
 * The one-line progress status a running job logs every few seconds: records read and applied (rate and total),
 * watermark and, for sources that follow the clock, how far it trails it, source lag, queue, outbox, readiness. It
 * is the message of the log's `status` event, whose fields (statusFields) carry the same figures for machines.
 */
import type { RunStatus } from './run-options.js';

function formatWatermark(wm: number): string {
  if (wm === -Infinity) return 'none yet';
  if (wm === Infinity) return 'end of input';
  return new Date(wm).toISOString().replace('.000Z', 'Z');
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n));
}

/** How far event time trails the clock; a generator or a replay may also run ahead of it. */
function formatLag(lagMs: number): string {
  return `${(Math.abs(lagMs) / 1000).toFixed(1)} s ${lagMs >= 0 ? 'behind' : 'ahead of'} the clock`;
}

export function statusLine(s: RunStatus): string {
  return [
    `read ${formatCount(s.recordsPerSecond)}/s (${formatCount(s.recordsRead)})`,
    `applied ${formatCount(s.appliedPerSecond)}/s (${formatCount(s.recordsApplied)})`,
    `watermark ${formatWatermark(s.watermark)}${s.clockLag !== null ? ` (${formatLag(s.clockLag)})` : ''}`,
    `source lag ${s.sourceLag === null ? 'n/a' : formatCount(s.sourceLag)}`,
    `queued ${formatCount(s.queued)}`,
    `outbox ${formatCount(s.outboxPending)}`,
    ...(s.notReady.length > 0 ? [`NOT READY: ${s.notReady.join('; ')}`] : []),
  ].join(' | ');
}

/** The status as log fields: a watermark as an ISO time (null before the first, and at the end of input). */
export function statusFields(s: RunStatus): Record<string, unknown> {
  const { watermark, ...figures } = s;
  return { event: 'status', ...figures, watermark: Number.isFinite(watermark) ? new Date(watermark).toISOString() : null, endOfInput: watermark === Infinity };
}
