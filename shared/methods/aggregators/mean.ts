// Coordinate-wise mean of float32 gradients: plain distributed SGD.
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asFloat32 } from '../wire-format.js';

export const meanAggregator: AggregatorKind = {
  name: 'mean',
  uplink: 'f32',
  downlink: 'f32',
  create(d, kernels) {
    const output = allocatePayload('f32', d);
    return {
      aggregate(contributions) {
        kernels.mean(contributions.map((c) => asFloat32(c, d)), asFloat32(output, d));
        return output;
      },
    };
  },
};
