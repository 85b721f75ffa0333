// Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, drop the ⌊β·M⌋ smallest and largest values
// and average the rest. Sorting order as the median's (NaN above +∞).
import type { AggregatorKind, CoordinateRange, RoundContext } from '../stages.js';
import { allocatePayload, asFloat32 } from '../../codec/wire-format.js';

export const trimmedMeanAggregator: AggregatorKind = {
  name: 'trimmed-mean',
  accepts: ['f32'],
  downlink: 'f32',
  summary: 'coordinate-wise mean without the ⌊β·M⌋ smallest and largest values',
  maxWorkers: Number.MAX_SAFE_INTEGER,
  parameter: {
    name: 'β (fraction cut from each end)',
    defaultValue: 0.1,
    problem: (beta, workers) =>
      !(beta >= 0 && beta < 0.5)
        ? `β must be in [0, 0.5), got ${beta}`
        : workers - 2 * Math.floor(beta * workers) < 1
          ? `β = ${beta} leaves no value of ${workers}`
          : undefined,
  },
  create({ d, parameter: beta }) {
    const output = allocatePayload('f32', d, 1);
    const result = asFloat32(output, d);
    const trimmedMeanRange = (contributions: Uint8Array[], _context: RoundContext, { from, to }: CoordinateRange) => {
      const inputs = contributions.map((c) => asFloat32(c, d));
      const m = inputs.length;
      const cut = Math.floor(beta * m);
      const column = new Float32Array(m);
      for (let j = from; j < to; j++) {
        for (let i = 0; i < m; i++) column[i] = inputs[i][j];
        column.sort();
        let sum = 0;
        for (let i = cut; i < m - cut; i++) sum += column[i];
        result[j] = sum / (m - 2 * cut);
      }
      return output;
    };
    return {
      aggregate: (contributions, context) => trimmedMeanRange(contributions, context, { from: 0, to: d }),
      aggregateRange: trimmedMeanRange,
    };
  },
};
