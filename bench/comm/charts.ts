// The bench's charts as Vega-Lite specs (rendered by shared/chart-render.ts).
import type * as vegaLite from 'vega-lite';
import { renderSvg } from '../../shared/chart-render.js';
import { PHASE_LABELS, placementLabel, SPLIT_PHASES, type CellResult } from './results.js';

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
  // Worker counts are whole numbers: ticks only where a cell was measured.
  const workersAxis = { values: [...new Set(ok.map((c) => c.workers))].sort((a, b) => a - b), format: 'd' };
  const sizeOrder = [...new Set(ok.map((c) => c.d))].sort((a, b) => a - b).map(sizeLabel);
  const charts: Array<{ name: string; title: string; spec: vegaLite.TopLevelSpec }> = [];
  // With several server placements, one line per method and placement (the --servers choice, so S = M/2 is one line).
  const placements = new Set(ok.map((c) => c.serverSeries ?? placementLabel(c)));
  const series = (c: CellResult) => (placements.size > 1 ? `${c.method}, ${c.serverSeries ?? placementLabel(c)}` : c.method);

  const splitValues = ok.flatMap((c) =>
    SPLIT_PHASES.map((phase, order) => ({
      size: sizeLabel(c.d),
      cell: `${c.method} M=${c.workers}${placements.size > 1 ? ` ${c.serverSeries ?? placementLabel(c)}` : ''}`,
      phase: PHASE_LABELS[phase],
      order,
      ms: c.split![phase],
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

  const seriesTitle = placements.size > 1 ? 'method, servers' : 'method';
  const lineSpec = (field: string, title: string, logScale: boolean): vegaLite.TopLevelSpec => ({
    data: { values: ok.map((c) => ({ size: sizeLabel(c.d), method: series(c), workers: c.workers, value: c[field as keyof CellResult] })) },
    facet: { column: { field: 'size', type: 'nominal', title: null, sort: sizeOrder } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'workers', type: 'quantitative', title: 'workers M', axis: workersAxis },
        y: { field: 'value', type: 'quantitative', title, scale: logScale ? { type: 'log' } : { zero: true } },
        color: { field: 'method', type: 'nominal', title: seriesTitle },
      },
    },
  });
  charts.push({ name: 'round-time', title: 'Round time (ms) against M', spec: lineSpec('roundMs', 'ms per round', false) });
  // On shaped links: each series' round time beside its "in then out" floor (dashed), so a placement's gain reads
  // against what its links allow.
  const withFloor = ok.filter((c) => c.floorMs !== undefined);
  if (withFloor.length > 0) {
    const values = withFloor.flatMap((c) => [
      { size: sizeLabel(c.d), method: series(c), workers: c.workers, what: 'round', value: c.roundMs },
      { size: sizeLabel(c.d), method: series(c), workers: c.workers, what: 'floor (in then out)', value: c.floorMs },
    ]);
    charts.push({
      name: 'round-time-floors',
      title: 'Round time and its floor (ms) against M',
      spec: {
        data: { values },
        facet: { column: { field: 'size', type: 'nominal', title: null, sort: sizeOrder } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: WIDTH,
          height: HEIGHT,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'workers', type: 'quantitative', title: 'workers M', axis: workersAxis },
            y: { field: 'value', type: 'quantitative', title: 'ms per round', scale: { zero: true } },
            color: { field: 'method', type: 'nominal', title: seriesTitle },
            strokeDash: { field: 'what', type: 'nominal', title: null, sort: ['round', 'floor (in then out)'] },
          },
        },
      },
    });
  }
  charts.push({
    name: 'goodput',
    title: 'Effective goodput: payload up and down per second (MB/s)',
    spec: lineSpec('effectiveGoodput', 'MB/s', false),
  });

  const overhead = ok.flatMap((c) => {
    const wire = (c.wireUpBytes ?? c.linkUpBytes ?? 0) + (c.wireDownBytes ?? c.linkDownBytes ?? 0);
    const payload = (c.payloadUpBytes ?? 0) + (c.payloadDownBytes ?? 0);
    return wire > 0 && payload > 0 ? [{ size: sizeLabel(c.d), method: series(c), workers: c.workers, value: wire / payload }] : [];
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
            x: { field: 'workers', type: 'quantitative', title: 'workers M', axis: workersAxis },
            y: { field: 'value', type: 'quantitative', title: 'wire / payload', scale: { zero: true } },
            color: { field: 'method', type: 'nominal', title: seriesTitle },
          },
        },
      },
    });
  }

  return Promise.all(charts.map(async ({ name, title, spec }) => ({ name, title, svg: await renderSvg({ ...spec, title } as vegaLite.TopLevelSpec) })));
}

export function formatCount(d: number): string {
  if (d >= 1e9 && d % 1e9 === 0) return `${d / 1e9}G`;
  if (d >= 1e6 && d % 1e6 === 0) return `${d / 1e6}M`;
  if (d >= 1e3 && d % 1e3 === 0) return `${d / 1e3}k`;
  return String(d);
}
