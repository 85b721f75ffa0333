// Majority vote with the paper's sign(0) = 0 (Chen et al. 2020, Alg. 1; Safaryan & Richtárik's counterexample):
// a tied coordinate does not move. Costs a tie mask: 2 bits down per coordinate instead of 1.
// The tie mask comes from two votes over M+1 inputs (odd, so tie-free): with an extra all-negative voter a lane
// is negative iff negatives ≥ M/2; with an extra all-positive one iff negatives > M/2; ties are where they differ.
import { signWordCount } from '../../codec/sign-bits.js';
import { MAX_VOTE_WORKERS } from '../../kernels/vote.js';
import type { AggregatorKind } from '../stages.js';
import { allocatePayload, asSignWords, payloadBytes, wordRegions } from '../../codec/wire-format.js';

export const ternaryVoteAggregator: AggregatorKind = {
  name: 'vote-ternary',
  accepts: ['sign-bits'],
  downlink: 'sign-bits+ties',
  summary: 'majority vote; ties send 0 (a tie mask, 2 bits down)',
  maxWorkers: MAX_VOTE_WORKERS - 1,
  create({ d, kernels }) {
    const wordCount = signWordCount(d);
    const output = allocatePayload('sign-bits+ties', d, 1);
    const [signs, ties] = wordRegions(output, 'sign-bits+ties', d, 1);
    const wireBytes = payloadBytes('sign-bits+ties', d, 1);
    const allNegative = new Uint32Array(wordCount).fill(0xffffffff);
    if (d % 32) allNegative[wordCount - 1] = (1 << d % 32) - 1;
    const allPositive = new Uint32Array(wordCount);
    const atLeastHalf = new Uint32Array(wordCount);
    return {
      aggregate(contributions, { round, seed, firstWord }) {
        const words = contributions.map((c) => asSignWords(c, d));
        if (words.length % 2) {
          kernels.vote({ words, d, seed, round, firstWord }, signs);
          ties.fill(0);
        } else {
          kernels.vote({ words: [...words, allNegative], d, seed, round, firstWord }, atLeastHalf);
          kernels.vote({ words: [...words, allPositive], d, seed, round, firstWord }, signs);
          for (let w = 0; w < wordCount; w++) ties[w] = atLeastHalf[w] & ~signs[w];
        }
        return output.subarray(0, wireBytes);
      },
    };
  },
};
