// The bench's charts as Vega-Lite specs, rendered headless to SVG by Vega, and to PNG by resvg where its
// prebuilt binary is installed (@resvg/resvg-js ships it inside an npm package; nothing is downloaded).
import { createRequire } from 'node:module';
import type * as vegaLite from 'vega-lite';
import { PHASE_LABELS, SPLIT_PHASES, type CellResult } from './results.js';

export interface Chart {
  /** File name without extension. */
  name: string;
  title: string;
  svg: string;
}

const WIDTH = 220;
const HEIGHT = 160;

export async function benchCharts(cells: CellResult[]): Promise<Chart[]> {
  const ok = cells.filter((c) => c.status === 'ok' && c.split && c.roundMs !== undefined);
  if (ok.length === 0) return [];
  const sizeLabel = (d: number) => `d = ${formatCount(d)}`;
  const sizeOrder = [...new Set(ok.map((c) => c.d))].sort((a, b) => a - b).map(sizeLabel);
  const charts: Array<{ name: string; title: string; spec: vegaLite.TopLevelSpec }> = [];

  const splitValues = ok.flatMap((c) =>
    SPLIT_PHASES.map((phase, order) => ({
      size: sizeLabel(c.d),
      cell: `${c.method} M=${c.workers}`,
      phase: PHASE_LABELS[phase],
      order,
      ms: Math.max(0, c.split![phase]),
    })),
  );
  charts.push({
    name: 'round-split',
    title: 'Where a round goes (ms, mean over workers and rounds)',
    spec: {
      data: { values: splitValues },
      facet: { column: { field: 'size', type: 'nominal', title: null, sort: sizeOrder } },
      resolve: { scale: { y: 'independent', x: 'independent' } },
      spec: {
        width: WIDTH,
        height: HEIGHT,
        mark: 'bar',
        encoding: {
          x: { field: 'cell', type: 'nominal', title: null, axis: { labelAngle: -40 } },
          y: { field: 'ms', type: 'quantitative', title: 'ms per round', stack: 'zero' },
          color: { field: 'phase', type: 'nominal', sort: SPLIT_PHASES.map((p) => PHASE_LABELS[p]), title: 'phase' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
    },
  });

  const lineSpec = (field: string, title: string, logScale: boolean): vegaLite.TopLevelSpec => ({
    data: { values: ok.map((c) => ({ size: sizeLabel(c.d), method: c.method, workers: c.workers, value: c[field as keyof CellResult] })) },
    facet: { column: { field: 'size', type: 'nominal', title: null, sort: sizeOrder } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'workers', type: 'quantitative', title: 'workers M', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title, scale: logScale ? { type: 'log' } : { zero: true } },
        color: { field: 'method', type: 'nominal', title: 'method' },
      },
    },
  });
  charts.push({ name: 'round-time', title: 'Round time (ms) against M', spec: lineSpec('roundMs', 'ms per round', false) });
  charts.push({
    name: 'goodput',
    title: 'Effective goodput: payload up and down per second (MB/s)',
    spec: lineSpec('effectiveGoodput', 'MB/s', false),
  });

  const overhead = ok.flatMap((c) => {
    const wire = (c.wireUpBytes ?? c.linkUpBytes ?? 0) + (c.wireDownBytes ?? c.linkDownBytes ?? 0);
    const payload = (c.payloadUpBytes ?? 0) + (c.payloadDownBytes ?? 0);
    return wire > 0 && payload > 0 ? [{ size: sizeLabel(c.d), method: c.method, workers: c.workers, value: wire / payload }] : [];
  });
  if (overhead.length > 0) {
    charts.push({
      name: 'wire-overhead',
      title: 'Bytes on the wire / payload bytes',
      spec: {
        data: { values: overhead },
        facet: { column: { field: 'size', type: 'nominal', title: null, sort: sizeOrder } },
        spec: {
          width: WIDTH,
          height: HEIGHT,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'workers', type: 'quantitative', title: 'workers M', axis: { tickMinStep: 1 } },
            y: { field: 'value', type: 'quantitative', title: 'wire / payload', scale: { zero: false } },
            color: { field: 'method', type: 'nominal', title: 'method' },
          },
        },
      },
    });
  }

  // Loaded here, not at the top: every `signps` process imports this module, and only the bench draws.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  return Promise.all(
    charts.map(async ({ name, title, spec }) => {
      const compiled = compile({ ...spec, title } as vegaLite.TopLevelSpec).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
      return { name, title, svg: await view.toSVG() };
    }),
  );
}

type PngRenderer = (svg: string) => Buffer;

/** A PNG renderer when @resvg/resvg-js and its binary for this platform are installed, else why not. */
export function pngRenderer(): PngRenderer | string {
  try {
    const require = createRequire(import.meta.url);
    const { Resvg } = require('@resvg/resvg-js') as {
      Resvg: new (svg: string, options: object) => { render(): { asPng(): Buffer } };
    };
    const options = {
      background: 'white',
      fitTo: { mode: 'zoom', value: 2 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    };
    return (svg) => new Resvg(svg, options).render().asPng();
  } catch (error) {
    return `no PNG: @resvg/resvg-js is not usable here (${(error as Error).message.split('\n')[0]}); SVG only`;
  }
}

export function formatCount(d: number): string {
  if (d >= 1e9 && d % 1e9 === 0) return `${d / 1e9}G`;
  if (d >= 1e6 && d % 1e6 === 0) return `${d / 1e6}M`;
  if (d >= 1e3 && d % 1e3 === 0) return `${d / 1e3}k`;
  return String(d);
}
