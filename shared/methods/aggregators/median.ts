// Coordinate-wise median (Yin et al. 2018; Chen et al. 2020, Alg. 2): even M takes the mean of the two middle
// values; NaN sorts above +∞.
import { MAX_MEDIAN_WORKERS } from '../../kernels/median.js';
import type { AggregatorKind, CoordinateRange, RoundContext } from '../stages.js';
import { allocatePayload, asFloat32 } from '../../codec/wire-format.js';

export const medianAggregator: AggregatorKind = {
  name: 'median',
  accepts: ['f32'],
  downlink: 'f32',
  summary: 'coordinate-wise median',
  maxWorkers: MAX_MEDIAN_WORKERS,
  create({ d, kernels }) {
    const output = allocatePayload('f32', d, 1);
    const result = asFloat32(output, d);
    const medianRange = (contributions: Uint8Array[], _context: RoundContext, { from, to }: CoordinateRange) => {
      kernels.median(contributions.map((c) => asFloat32(c, d).subarray(from, to)), result.subarray(from, to));
      return output;
    };
    return {
      aggregate: (contributions, context) => medianRange(contributions, context, { from: 0, to: d }),
      aggregateRange: medianRange,
    };
  },
};
