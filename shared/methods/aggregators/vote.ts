// Majority vote v = sign(Σ_i sign g_i) (Bernstein et al. 2018; Chen et al. Alg. 1; Safaryan & Richtárik Alg. 2).
// Even M can tie: the tied coordinate gets a seeded fair coin (see kernels/vote.ts), so the 1-bit downlink
// stays unbiased; Safaryan & Richtárik show 2l−1 and 2l workers behave alike in expectation.
import { signPayloadBytes } from '../../codec/sign-bits.js';
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../wire-format.js';

export const voteAggregator: AggregatorKind = {
  name: 'vote',
  uplink: 'sign-bits',
  downlink: 'sign-bits',
  create(d, kernels) {
    const output = allocatePayload('sign-bits', d);
    const wireBytes = signPayloadBytes(d);
    return {
      aggregate(contributions, { round, seed }) {
        const words = contributions.map((c) => asSignWords(c, d));
        kernels.vote({ words, d, seed, round }, asSignWords(output, d));
        return output.subarray(0, wireBytes);
      },
    };
  },
};
