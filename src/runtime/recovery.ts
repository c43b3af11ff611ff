/**
 * What a job reads from its state directory when it starts: the key-group layout it was written with (checked), the
 * offset to resume each source partition from (one past the smallest frontier any holder committed), the outputs a
 * crash left unacknowledged, and the records forwarded to a later stage that it has not applied yet.
 */
import { sourceFedStages, type Plan } from '../graph/planner.js';
import type { StateDatabases } from '../state/backend.js';
import type { StoredForwardChunk } from '../state/forward-chunks.js';
import type { ChunkId } from './record-columns.js';
import { metaKey } from '../state/keys.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

/** Stage 0 (the main thread) commits its source frontier as this one slot. */
export const STAGE0_SLOT = 0;

/**
 * How records forwarded between stages are stored: 2 = chunks per (batch, target slot) as record lists; 3 = those
 * chunks packed as runs (forward-chunks.ts).
 */
const FORWARD_FORMAT = 3;

/**
 * Key groups and slots shape the stored state; a state directory written with others cannot be read. Nor can
 * forwarded records stored in an earlier format: the layout records the format.
 */
export function checkStateLayout(dbs: StateDatabases, plan: Plan, stateDir: string): void {
  const layout = { keyGroups: plan.keyGroups, slots: plan.slots, forwardFormat: FORWARD_FORMAT };
  const stored = dbs.progress.get(metaKey('layout')) as Partial<typeof layout> | undefined;
  if (stored && (stored.keyGroups !== layout.keyGroups || stored.slots !== layout.slots)) {
    throw new FlywheelError(
      ErrorCodes.STATE,
      `state in ${stateDir} was written with ${stored.keyGroups} key groups over ${stored.slots} slots, the job now has ${layout.keyGroups} over ${layout.slots}`,
      {},
      'run with the same keyGroups and slots, or start from an empty state directory',
    );
  }
  if (stored && stored.forwardFormat !== FORWARD_FORMAT && dbs.forward.getKeysCount() > 0) {
    throw new FlywheelError(
      ErrorCodes.STATE,
      `state in ${stateDir} holds records between stages in an earlier format`,
      {},
      'finish or drain the job with the version that wrote it, or start from an empty state directory',
    );
  }
  if (!stored || stored.forwardFormat !== FORWARD_FORMAT) dbs.progress.putSync(metaKey('layout'), layout);
}

/** Where reading a source partition resumes: the next offset, and the partition's watermark just before it. */
export interface ResumePoint {
  next: number;
  watermark: number;
}

/**
 * Per source partition, where to resume: one past the smallest frontier any stage holds for it, with the partition
 * watermark that holder recorded at its frontier (so records read again get the stamps they had the first time).
 */
export function resumePoints(dbs: StateDatabases, plan: Plan): Map<string, ResumePoint> {
  const frontiers = new Map<string, Map<string, number>>();
  const clocks = new Map<string, number>();
  for (const { key, value } of dbs.progress.getRange({ start: ['applied'], end: ['applied\u0000'] })) {
    const [, stage, slot, pid] = key as [string, number, number, string];
    const holder = `${stage}/${slot}`;
    let perPid = frontiers.get(pid);
    if (!perPid) frontiers.set(pid, (perPid = new Map()));
    perPid.set(holder, value as number);
  }
  for (const { key, value } of dbs.progress.getRange({ start: ['clock'], end: ['clock\u0000'] })) {
    const [, stage, slot, pid] = key as [string, number, number, string];
    clocks.set(`${stage}/${slot}/${pid}`, value as number);
  }
  const holders = [`0/${STAGE0_SLOT}`];
  sourceFedStages(plan).forEach((fed, stage) => {
    if (fed) for (let slot = 0; slot < plan.slots; slot++) holders.push(`${stage}/${slot}`);
  });
  const points = new Map<string, ResumePoint>();
  for (const [pid, perPid] of frontiers) {
    let min = Infinity;
    let watermark = -Infinity;
    for (const h of holders) {
      const frontier = perPid.get(h) ?? -1;
      if (frontier < min) {
        min = frontier;
        watermark = clocks.get(`${h}/${pid}`) ?? -Infinity;
      }
    }
    points.set(pid, { next: min + 1, watermark });
  }
  return points;
}

/** Per source partition, the next offset to read (see resumePoints). */
export function startOffsets(dbs: StateDatabases, plan: Plan): Map<string, number> {
  return new Map([...resumePoints(dbs, plan)].map(([pid, point]) => [pid, point.next]));
}

/** Records forwarded to one slot of a later stage by one batch and not yet applied there (a forward chunk). */
export interface UnappliedChunk {
  stage: number;
  chunkId: ChunkId;
  slot: number;
  length: number;
  /** Packed as a run (record-columns.ts). */
  records: Uint8Array;
}

/** The forward chunks not yet applied by their stage; each producer's in the order it made them. */
export function unappliedForwards(dbs: StateDatabases): UnappliedChunk[] {
  const out: UnappliedChunk[] = [];
  for (const { key, value } of dbs.forward.getRange({})) {
    const [stage, ...chunkId] = key as [number, ...ChunkId];
    const [length, records] = value as StoredForwardChunk;
    const slot = chunkId[3];
    // A copy of its own: what LMDB returns may be a view into a shared buffer, and a batch transfers its runs.
    out.push({ stage, chunkId, slot, length, records: new Uint8Array(records) });
  }
  return out;
}
