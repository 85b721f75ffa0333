// Majority vote v = sign(Σ_i sign g_i) (Bernstein et al. 2018; Chen et al. 2020, Alg. 1; Safaryan & Richtárik,
// Alg. 2), 1 bit down. Even M can tie: the tied coordinate gets a seeded fair coin (kernels/vote.ts), so the step
// is 0 in expectation; Safaryan & Richtárik show 2l−1 and 2l workers behave alike in expectation.
import { signPayloadBytes } from '../../codec/sign-bits.js';
import { MAX_VOTE_WORKERS } from '../../kernels/vote.js';
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../../codec/wire-format.js';

export const voteAggregator: AggregatorKind = {
  name: 'vote',
  accepts: ['sign-bits'],
  downlink: 'sign-bits',
  summary: 'majority vote; ties take a seeded coin',
  maxWorkers: MAX_VOTE_WORKERS,
  create({ d, kernels }) {
    const output = allocatePayload('sign-bits', d, 1);
    const wireBytes = signPayloadBytes(d);
    return {
      aggregate(contributions, { round, seed, firstWord }) {
        const words = contributions.map((c) => asSignWords(c, d));
        kernels.vote({ words, d, seed, round, firstWord }, asSignWords(output, d));
        return output.subarray(0, wireBytes);
      },
    };
  },
};
