/**
 * How many queued records a record queued now will still become, for the queue bound (backpressure.ts). A keyed
 * stage applying a batch removes its records from the queue and adds what it forwards to later stages: a stage that
 * forwards three records per record it applies (one contribution per experiment, one co-visit per earlier item)
 * triples the queue behind a paused source, and a chain of such stages multiplies. So each stage's records count
 * with a weight: 1 for a stage that forwards nothing, else the most the records it forwards will weigh, at least 1
 * (a record is queued until applied). A stage's ratio is the highest seen in its batches, decaying slowly towards
 * what later batches show, so a burst of forwards (windows firing) keeps its weight for a while.
 */
import type { Plan } from '../graph/planner.js';

/** How fast a stage's ratio falls towards a lower one seen later, per batch. */
const DECAY = 0.05;

export class FanOut {
  /** Per stage: records forwarded per record applied (stage 0: records queued per record read). */
  private readonly ratios: number[];
  private readonly downstream: number[][];
  /** Per stage, whether a batch of it has shown its ratio yet. */
  private readonly seen: boolean[];

  constructor(plan: Plan) {
    this.ratios = plan.stages.map(() => 1);
    this.seen = plan.stages.map(() => false);
    this.downstream = plan.stages.map((stage) => plan.stages.filter((s) => s.upstream.includes(stage.index)).map((s) => s.index));
    for (let s = 0; s < this.downstream.length; s++) if (this.downstream[s]!.length === 0) this.ratios[s] = 0;
  }

  /** A batch of `applied` records of `stage` forwarded `forwarded` records (stage 0: read and queued). */
  observe(stage: number, applied: number, forwarded: number): void {
    if (applied === 0) return;
    const ratio = forwarded / applied;
    const current = this.ratios[stage]!;
    this.ratios[stage] = ratio >= current || !this.seen[stage] ? ratio : current + (ratio - current) * DECAY;
    this.seen[stage] = true;
  }

  /** Stage 0: of `read` source records so far, `queued` reached a keyed stage (filters drop some, fan-outs add). */
  observeSources(read: number, queued: number): void {
    if (read > 0) this.ratios[0] = queued / read;
  }

  /** Whether a stage forwards records and no batch of it has shown how many per record yet. */
  unknown(stage: number): boolean {
    return this.downstream[stage]!.length > 0 && !this.seen[stage];
  }

  /** How much a batch of `records` of `stage` will add to the queue once applied (what it forwards, less itself). */
  growth(stage: number, records: number): number {
    return Math.max(0, records * (this.ratios[stage]! - 1));
  }

  /** Per stage, what a record queued for it weighs: itself or, if more, what it will be forwarded as. */
  weights(): number[] {
    const weights: number[] = [];
    // Stages form a graph without cycles: the recursion ends at the stages that forward nothing.
    const weigh = (s: number): number => {
      if (weights[s] === undefined) {
        let next = 0;
        for (const d of this.downstream[s]!) next = Math.max(next, weigh(d));
        weights[s] = Math.max(1, this.ratios[s]! * next);
      }
      return weights[s]!;
    };
    for (let s = 0; s < this.ratios.length; s++) weigh(s);
    return weights;
  }
}
