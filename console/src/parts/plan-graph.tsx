/**
 * The job's plan as a graph: one box per step, in columns by depth (longest path from a source), edges from each
 * input, each box with its step's records in and out per second. Plain SVG: the plan is small.
 */
import { rate } from './format.js';

export interface GraphStep {
  id: string;
  kind: string;
  from: string[];
  stage: number | null;
  inPerSecond: number | null;
  outPerSecond: number | null;
}

const W = 170;
const H = 46;
const GAP_X = 40;
const GAP_Y = 14;

function depths(steps: GraphStep[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const inputs = (byId.get(id)?.from ?? []).map((f) => f.split('.')[0]!).filter((f) => byId.has(f));
    const d = inputs.length === 0 ? 0 : Math.max(...inputs.map((f) => visit(f, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  for (const s of steps) visit(s.id, new Set());
  return depth;
}

export function PlanGraph({ steps }: { steps: GraphStep[] }) {
  const depth = depths(steps);
  const columns: GraphStep[][] = [];
  for (const s of steps) (columns[depth.get(s.id)!] ??= []).push(s);
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => column.forEach((s, r) => at.set(s.id, { x: c * (W + GAP_X), y: r * (H + GAP_Y) })));
  const width = columns.length * (W + GAP_X) - GAP_X;
  const height = Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  return (
    <svg class="plan" viewBox={`-2 -2 ${width + 4} ${height + 4}`} width={width + 4} height={height + 4} data-testid="plan-graph" role="img" aria-label="the job's plan">
      {steps.flatMap((s) =>
        s.from.map((f) => {
          const from = at.get(f.split('.')[0]!);
          const to = at.get(s.id)!;
          if (!from) return null;
          const x1 = from.x + W;
          const y1 = from.y + H / 2;
          const x2 = to.x;
          const y2 = to.y + H / 2;
          return <path key={`${f}->${s.id}`} class={f.includes('.') ? 'edge side' : 'edge'} d={`M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`} />;
        }),
      )}
      {steps.map((s) => {
        const { x, y } = at.get(s.id)!;
        return (
          <g key={s.id} transform={`translate(${x},${y})`} class={`step ${s.kind}`}>
            <title>{`${s.id} (${s.kind}${s.stage === null ? '' : `, stage ${s.stage}`})`}</title>
            <rect width={W} height={H} rx="5" />
            <text x="8" y="17" class="id">{s.id.length > 22 ? `${s.id.slice(0, 21)}…` : s.id}</text>
            <text x="8" y="35" class="rates">{`in ${rate(s.inPerSecond)} · out ${rate(s.outPerSecond)}`}</text>
          </g>
        );
      })}
    </svg>
  );
}
