// Several runs overlaid in one picture: the evaluation metric (test accuracy in percent) and the training loss,
// each against rounds, against bytes sent (log axis: runs differ by orders of magnitude) and against wall time;
// one colour per run, labelled by its settings.
import type * as vegaLite from 'vega-lite';
import { renderSvg } from '../shared/chart-render.js';
import { metricAxis } from '../shared/metric-axes.js';
import { runLabels, type SavedRun } from './saved-run.js';

type PanelSpec = Extract<vegaLite.TopLevelSpec, { vconcat: unknown }>['vconcat'][number];

const WIDTH = 260;
const HEIGHT = 170;

const X_AXES = [
  { field: 'round', title: 'round', scale: { zero: true }, format: 'd' },
  { field: 'bytes', title: 'bytes sent, up + down (log)', scale: { type: 'log' as const }, format: '~s' },
  { field: 'seconds', title: 'wall time (s, from round 1)', scale: { zero: true } },
];

/** The metric the runs are compared on: test accuracy where any run has it, else the first one evaluated. */
export function comparedMetric(runs: SavedRun[]): string | undefined {
  const metrics = runs.flatMap((run) => run.rounds.flatMap((r) => Object.keys(r.evaluation ?? {})));
  return metrics.includes('testAccuracy') ? 'testAccuracy' : metrics[0];
}

export async function comparisonChartSvg(runs: SavedRun[]): Promise<string> {
  const labels = runLabels(runs);
  const metric = comparedMetric(runs);
  const longest = Math.max(...runs.map((run) => run.rounds.length));
  const values = runs.flatMap((run, i) =>
    run.rounds.map((r) => ({
      run: labels[i],
      round: r.round + 1,
      bytes: r.uplinkBytes + r.downlinkBytes,
      seconds: r.elapsedMs / 1000,
      meanLoss: r.meanLoss,
      metric: metric === undefined ? null : r.evaluation?.[metric] ?? null,
    })),
  );
  const panel = (x: (typeof X_AXES)[number], y: 'meanLoss' | 'metric', axisOf: string): PanelSpec => {
    const axis = metricAxis(axisOf);
    return {
      width: WIDTH,
      height: HEIGHT,
      transform: [{ filter: `isValid(datum.${y})` }, { calculate: `datum.${y} * ${axis.factor}`, as: 'shown' }],
      // Points mark the evaluations (few) and short runs' rounds; on hundreds of rounds they would hide the line.
      mark: { type: 'line', point: y === 'metric' || longest < 60 ? { size: 10 } : false },
      encoding: {
        x: { field: x.field, type: 'quantitative', title: x.title, scale: x.scale, axis: x.format ? { format: x.format } : {} },
        y: { field: 'shown', type: 'quantitative', title: axis.title, scale: axis.scale },
        color: { field: 'run', type: 'nominal', title: 'run', sort: labels, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600 } },
      },
    };
  };
  const rows = [
    ...(metric === undefined ? [] : [{ hconcat: X_AXES.map((x) => panel(x, 'metric', metric)) }]),
    { hconcat: X_AXES.map((x) => panel(x, 'meanLoss', 'meanLoss')) },
  ];
  return renderSvg({ title: `${runs.length} runs compared`, data: { values }, vconcat: rows });
}
