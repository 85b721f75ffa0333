// The training curves as an SVG a person can open: mean training loss and the problem's first evaluation metric
// (test accuracy, or x for the analytic problems) against the round.
// Drawn with Vega-Lite (declarative spec, rendered headless by Vega without a browser or canvas).
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export interface CurvePoint {
  round: number;
  meanLoss: number;
  evaluation?: Record<string, number>;
}

export async function trainingChartSvg(points: CurvePoint[], title: string): Promise<string> {
  const values = points.flatMap((p) => {
    const [metric, value] = Object.entries(p.evaluation ?? {})[0] ?? [];
    return [
      { round: p.round + 1, value: p.meanLoss, series: 'training loss (mean of workers)' },
      ...(metric === undefined ? [] : [{ round: p.round + 1, value, series: metric }]),
    ];
  });
  const spec: vegaLite.TopLevelSpec = {
    title,
    data: { values },
    facet: { row: { field: 'series', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 520,
      height: 180,
      mark: { type: 'line', point: values.length < 400 ? { size: 12 } : false },
      encoding: {
        x: { field: 'round', type: 'quantitative', title: 'round' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      },
    },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
