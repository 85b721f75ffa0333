// SSDM's server step (Safaryan & Richtárik, Alg. 3): S = Σ_i s_i, sent as the count c of +1 votes per coordinate
// in k = ⌈log2(M+1)⌉ bit-planes; replicas apply x ← x − (γ/M)(2c − m) for the m contributors.
import { MAX_SUM_WORKERS } from '../../kernels/sign-sum.js';
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asSignWords, payloadBytes } from '../../codec/wire-format.js';

export const sumAggregator: AggregatorKind = {
  name: 'sum',
  accepts: ['sign-bits'],
  downlink: 'count-planes',
  summary: 'sum of signs, sent as k-bit counts',
  maxWorkers: MAX_SUM_WORKERS,
  create({ d, workers, kernels }) {
    const output = allocatePayload('count-planes', d, workers);
    const planes = new Uint32Array(output.buffer, 0, output.byteLength / 4);
    const wireBytes = payloadBytes('count-planes', d, workers);
    return {
      aggregate(contributions) {
        const computed = kernels.positiveCountPlanes(contributions.map((c) => asSignWords(c, d)), d);
        // Fewer contributors than M need fewer planes; the rest stay zero.
        planes.fill(0);
        planes.set(computed.subarray(0, Math.min(computed.length, planes.length)));
        return output.subarray(0, wireBytes);
      },
    };
  },
};
