// The training curves as an SVG a person can open: mean training loss and the problem's first evaluation metric
// (test accuracy, or x for the analytic problems) against the round.
// Drawn with Vega-Lite (declarative spec, rendered headless by Vega without a browser or canvas). Vega is
// loaded on first use: imported up front it adds ~8 MB to the server's heap, and every garbage collection
// (one per ~64 MB of buffers received) marks that heap again.
import type * as vegaLite from 'vega-lite';

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
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
