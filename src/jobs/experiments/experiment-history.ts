/**
 * Each experiment's estimates over time, for the console's plot: per report (a new `asOf`), per metric and
 * non-control arm, the difference against control with its fixed-horizon interval and its always-valid one. The
 * reports in state are the latest only, so the history is what the query endpoint has seen since it started: it
 * looks at every reported experiment every SAMPLE_MS and keeps the last POINTS reports of each.
 */
import type { StateReader } from '../../state/reader.js';
import type { ExperimentReport } from './experiment-report.js';

export const SAMPLE_MS = 5_000;
export const POINTS = 720;
/** At most this many experiments are followed. */
const FOLLOWED = 100;

export interface ArmPoint {
  estimate: number | null;
  /** Fixed-horizon (Welch) interval. */
  lower: number | null;
  upper: number | null;
  /** Always-valid confidence sequence (null until each arm has enough units). */
  alwaysValidLower: number | null;
  alwaysValidUpper: number | null;
}

export interface HistoryPoint {
  asOf: number;
  /** metric -> arm -> point. */
  metrics: Record<string, Record<string, ArmPoint>>;
}

export function historyPoint(report: ExperimentReport): HistoryPoint {
  const metrics: HistoryPoint['metrics'] = {};
  for (const m of report.metrics) {
    metrics[m.metric] = Object.fromEntries(
      m.comparisons.map((c) => [
        c.arm,
        {
          estimate: c.difference?.estimate ?? null,
          lower: c.difference?.lower ?? null,
          upper: c.difference?.upper ?? null,
          alwaysValidLower: c.alwaysValid?.lower ?? null,
          alwaysValidUpper: c.alwaysValid?.upper ?? null,
        },
      ]),
    );
  }
  return { asOf: report.asOf, metrics };
}

export class ExperimentHistory {
  private readonly points = new Map<string, HistoryPoint[]>();

  constructor(
    private readonly state: StateReader,
    private readonly stepId: string,
    private readonly stateName: string,
  ) {}

  /** Adds the report of each experiment whose report is newer than its last point. */
  sample(): void {
    for (const id of this.state.valueKeys(this.stepId, this.stateName, FOLLOWED)) this.see(id);
  }

  private see(id: string): void {
    const report = this.state.value<ExperimentReport>(this.stepId, id, this.stateName);
    if (!report) return;
    let series = this.points.get(id);
    if (!series) this.points.set(id, (series = []));
    if (series.length > 0 && series[series.length - 1]!.asOf >= report.asOf) return;
    series.push(historyPoint(report));
    if (series.length > POINTS) series.shift();
  }

  /** The points of one experiment, oldest first (the latest report included). */
  of(id: string): HistoryPoint[] {
    this.see(id);
    return this.points.get(id) ?? [];
  }
}
