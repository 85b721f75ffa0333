// Coordinate-wise median (Yin et al. 2018; Chen et al. 2020, Alg. 2): even M takes the mean of the two middle
// values; NaN sorts above +∞.
import { MAX_MEDIAN_WORKERS } from '../../kernels/median.js';
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asFloat32 } from '../../codec/wire-format.js';

export const medianAggregator: AggregatorKind = {
  name: 'median',
  accepts: ['f32'],
  downlink: 'f32',
  summary: 'coordinate-wise median',
  maxWorkers: MAX_MEDIAN_WORKERS,
  create({ d, kernels }) {
    const output = allocatePayload('f32', d, 1);
    return {
      aggregate(contributions) {
        kernels.median(contributions.map((c) => asFloat32(c, d)), asFloat32(output, d));
        return output;
      },
    };
  },
};
