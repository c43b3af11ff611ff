/** A uPlot time-series chart that follows its data: built once per set of series, then given new data in place. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  dash?: number[];
  /** Fill between this series and the one at index `bandTo` (e.g. an interval's lower and upper bounds). */
  bandTo?: number;
}

/**
 * The x range: the data's, but a minute either side of a single x value (one look, a step's share before and after),
 * which uPlot would stretch over 1,000 days on a time axis.
 */
function oneMinuteAroundOneValue(u: uPlot, min: number, max: number): uPlot.Range.MinMax {
  const xs = u.data[0];
  const first = xs[0];
  return first !== undefined && first === xs[xs.length - 1] ? [first - 60, first + 60] : [min, max];
}

interface ChartProps {
  title: string;
  /** x values (seconds since the epoch for time, or plain numbers with `time: false`), then one array per series. */
  data: Array<Array<number | null>>;
  series: ChartSeries[];
  time?: boolean;
  height?: number;
  /** Also draws points (for a series with few values). */
  points?: boolean;
  testId?: string;
}

export function Chart({ title, data, series, time = true, height = 220, points = false, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${time}|${points}|${series.map((s) => `${s.label}:${s.bandTo ?? ''}`).join(',')}`;
  useEffect(() => {
    const bands = series.flatMap((s, i) => (s.bandTo === undefined ? [] : [{ series: [i + 1, s.bandTo + 1] as [number, number], fill: `${s.color}22` }]));
    const options: uPlot.Options = {
      title,
      width: box.current!.clientWidth || 600,
      height,
      scales: { x: { time, range: oneMinuteAroundOneValue } },
      bands,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, ...(s.dash ? { dash: s.dash } : {}), points: { show: points }, spanGaps: true }))],
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, box.current!);
    const resize = () => plot.current?.setSize({ width: box.current!.clientWidth, height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);
  return <div class="chart" ref={box} data-testid={testId} />;
}
