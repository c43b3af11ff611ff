/** Per-step record counters gathered while a batch runs, merged on the main thread into the job's metrics. */

export interface StepCounters {
  in: number;
  out: number;
  errors: number;
  skipped: number;
  deadLettered: number;
  late: number;
}

export type StepCounts = Record<string, StepCounters>;

export function emptyCounters(): StepCounters {
  return { in: 0, out: 0, errors: 0, skipped: 0, deadLettered: 0, late: 0 };
}

export function countersFor(counts: StepCounts, stepId: string): StepCounters {
  let c = counts[stepId];
  if (!c) {
    c = emptyCounters();
    counts[stepId] = c;
  }
  return c;
}

export function addCounts(into: StepCounts, from: StepCounts): void {
  for (const [stepId, c] of Object.entries(from)) {
    const t = countersFor(into, stepId);
    t.in += c.in;
    t.out += c.out;
    t.errors += c.errors;
    t.skipped += c.skipped;
    t.deadLettered += c.deadLettered;
    t.late += c.late;
  }
}
