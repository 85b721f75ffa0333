// Coordinate-wise mean: distributed SGD for float32 gradients; for scaled signs (sto-sign, EF-signSGD) the
// mean of scale_i · sign_i.
import type { AggregatorKind, CoordinateRange, RoundContext } from '../stages.js';
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
      const meanRange = (contributions: Uint8Array[], _context: RoundContext, { from, to }: CoordinateRange) => {
        kernels.mean(contributions.map((c) => asFloat32(c, d).subarray(from, to)), mean.subarray(from, to));
        return output;
      };
      return {
        aggregate: (contributions, context) => meanRange(contributions, context, { from: 0, to: d }),
        aggregateRange: meanRange,
      };
    }
    const sum = new Float64Array(d);
    const scaledMeanRange = (contributions: Uint8Array[], _context: RoundContext, { from, to }: CoordinateRange) => {
      sum.fill(0, from, to);
      for (const contribution of contributions) {
        const { scale, words } = asScaledSigns(contribution, d);
        const s = scale[0];
        for (let j = from; j < to; j++) sum[j] += s * (1 - 2 * ((words[j >>> 5] >>> (j & 31)) & 1));
      }
      for (let j = from; j < to; j++) mean[j] = sum[j] / contributions.length;
      return output;
    };
    return {
      aggregate: (contributions, context) => scaledMeanRange(contributions, context, { from: 0, to: d }),
      aggregateRange: scaledMeanRange,
    };
  },
};
