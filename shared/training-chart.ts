// The training curves as an SVG a person can open: mean training loss and the problem's first evaluation metric
// (test accuracy in percent, or x for the analytic problems) against the round, each on its own labelled axis.
import type * as vegaLite from 'vega-lite';
import { renderSvg } from './chart-render.js';
import { metricAxis } from './metric-axes.js';

export interface CurvePoint {
  round: number;
  meanLoss: number;
  evaluation?: Record<string, number>;
}

/** One chart of a vertical stack. */
type PanelSpec = Extract<vegaLite.TopLevelSpec, { vconcat: unknown }>['vconcat'][number];

const WIDTH = 520;
const HEIGHT = 180;

export async function trainingChartSvg(points: CurvePoint[], title: string): Promise<string> {
  const metric = points.flatMap((p) => Object.keys(p.evaluation ?? {}))[0];
  const panel = (field: string, values: Array<{ round: number; value: number }>): PanelSpec => {
    const axis = metricAxis(field);
    return {
      width: WIDTH,
      height: HEIGHT,
      data: { values: values.map((v) => ({ round: v.round, value: v.value * axis.factor })) },
      mark: { type: 'line', point: values.length < 400 ? { size: 12 } : false },
      encoding: {
        x: { field: 'round', type: 'quantitative', title: 'round' },
        y: { field: 'value', type: 'quantitative', title: axis.title, scale: axis.scale },
      },
    };
  };
  const panels = [panel('meanLoss', points.map((p) => ({ round: p.round + 1, value: p.meanLoss })))];
  if (metric !== undefined) {
    const evaluated = points.filter((p) => p.evaluation?.[metric] !== undefined);
    panels.push(panel(metric, evaluated.map((p) => ({ round: p.round + 1, value: p.evaluation![metric] }))));
  }
  return renderSvg({ title, vconcat: panels });
}
