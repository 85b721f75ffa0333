// Multi-Krum (Blanchard et al. 2017): score each gradient by the summed squared distances to its M − f − 2
// nearest others; average the M − f best-scored. f = 1 by default; needs M ≥ 2f + 3.
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asFloat32 } from '../../codec/wire-format.js';

export const krumAggregator: AggregatorKind = {
  name: 'krum',
  accepts: ['f32'],
  downlink: 'f32',
  summary: 'multi-Krum: mean of the M − f gradients closest to their neighbours',
  maxWorkers: Number.MAX_SAFE_INTEGER,
  parameter: {
    name: 'f (Byzantine workers tolerated)',
    defaultValue: 1,
    problem: (f, workers) =>
      !Number.isInteger(f) || f < 0
        ? `f must be a whole number ≥ 0, got ${f}`
        : workers < 2 * f + 3
          ? `Krum with f = ${f} needs at least ${2 * f + 3} workers (M ≥ 2f + 3), got ${workers}: ${fittingF(workers)}`
          : undefined,
  },
  create({ d, parameter: f }) {
    const output = allocatePayload('f32', d, 1);
    const result = asFloat32(output, d);
    const sum = new Float64Array(d);
    return {
      aggregate(contributions) {
        const inputs = contributions.map((c) => asFloat32(c, d));
        // Fewer contributions than planned (a worker left): tolerate as many as the rule still allows.
        const chosen = multiKrumSelection(inputs, Math.min(f, Math.max(0, Math.floor((inputs.length - 3) / 2))));
        chosen.sort((a, b) => a - b);
        sum.fill(0);
        for (const i of chosen) for (let j = 0; j < d; j++) sum[j] += inputs[i][j];
        for (let j = 0; j < d; j++) result[j] = sum[j] / chosen.length;
        return output;
      },
    };
  },
};

/** Indices of the M − f inputs with the lowest Krum scores, best first. */
export function multiKrumSelection(inputs: Float32Array[], f: number): number[] {
  const m = inputs.length;
  const distance = Array.from({ length: m }, () => new Float64Array(m));
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      let sum = 0;
      const x = inputs[a];
      const y = inputs[b];
      for (let j = 0; j < x.length; j++) sum += (x[j] - y[j]) ** 2;
      distance[a][b] = distance[b][a] = sum;
    }
  }
  const neighbours = Math.max(1, m - f - 2);
  const scores = distance.map((row, a) =>
    [...row].filter((_, b) => b !== a).sort((p, q) => p - q).slice(0, neighbours).reduce((s, v) => s + v, 0),
  );
  return scores.map((score, i) => ({ score, i })).sort((p, q) => p.score - q.score || p.i - q.i).slice(0, m - f).map((e) => e.i);
}

/** What would work with `workers`: the largest f they allow, or the fewest workers Krum runs with at all. */
function fittingF(workers: number): string {
  const largest = Math.floor((workers - 3) / 2);
  if (largest < 0) return 'Krum needs at least 3 workers';
  return `with ${workers} workers ${largest === 0 ? 'only f = 0 works' : `f can be 0 to ${largest}`} (--aggregator krum:${largest})`;
}
