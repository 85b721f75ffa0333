// Majority vote v = sign(Σ_i sign g_i) (Bernstein et al. 2018; Chen et al. 2020, Alg. 1; Safaryan & Richtárik,
// Alg. 2), 1 bit down. Even M can tie: the tied coordinate gets a seeded fair coin (kernels/vote.ts), so the step
// is 0 in expectation; Safaryan & Richtárik show 2l−1 and 2l workers behave alike in expectation.
import { signPayloadBytes } from '../../codec/sign-bits.js';
import { MAX_VOTE_WORKERS } from '../../kernels/vote.js';
import type { AggregatorKind, CoordinateRange, RoundContext } from '../stages.js';
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
    const result = asSignWords(output, d);
    const voteRange = (contributions: Uint8Array[], { round, seed, firstWord = 0 }: RoundContext, { from, to }: CoordinateRange) => {
      // A word-aligned slice, voted with its own first word so a tie takes the whole vote's coin.
      const [start, end] = [from >>> 5, Math.ceil(to / 32)];
      const words = contributions.map((c) => asSignWords(c, d).subarray(start, end));
      kernels.vote({ words, d: to - from, seed, round, firstWord: firstWord + start }, result.subarray(start, end));
      return output.subarray(0, wireBytes);
    };
    return {
      aggregate: (contributions, context) => voteRange(contributions, context, { from: 0, to: d }),
      aggregateRange: voteRange,
    };
  },
};
