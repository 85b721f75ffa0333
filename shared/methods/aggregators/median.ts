// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2); even M takes the mean of the two middle values.
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asFloat32 } from '../wire-format.js';

export const medianAggregator: AggregatorKind = {
  name: 'median',
  uplink: 'f32',
  downlink: 'f32',
  create(d, kernels) {
    const output = allocatePayload('f32', d);
    return {
      aggregate(contributions) {
        kernels.median(contributions.map((c) => asFloat32(c, d)), asFloat32(output, d));
        return output;
      },
    };
  },
};
