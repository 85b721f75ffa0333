// Coordinate-wise mean: distributed SGD for float32 gradients; for scaled signs (sto-sign, EF-signSGD) the
// mean of scale_i · sign_i.
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asFloat32, asScaledSigns } from '../../codec/wire-format.js';

export const meanAggregator: AggregatorKind = {
  name: 'mean',
  accepts: ['f32', 'scaled-sign-bits'],
  downlink: 'f32',
  summary: 'coordinate-wise mean',
  maxWorkers: Number.MAX_SAFE_INTEGER,
  create({ d, uplink, kernels }) {
    const output = allocatePayload('f32', d, 1);
    const mean = asFloat32(output, d);
    if (uplink === 'f32') {
      return {
        aggregate(contributions) {
          kernels.mean(contributions.map((c) => asFloat32(c, d)), mean);
          return output;
        },
      };
    }
    const sum = new Float64Array(d);
    return {
      aggregate(contributions) {
        sum.fill(0);
        for (const contribution of contributions) {
          const { scale, words } = asScaledSigns(contribution, d);
          const s = scale[0];
          for (let j = 0; j < d; j++) sum[j] += s * (1 - 2 * ((words[j >>> 5] >>> (j & 31)) & 1));
        }
        for (let j = 0; j < d; j++) mean[j] = sum[j] / contributions.length;
        return output;
      },
    };
  },
};
