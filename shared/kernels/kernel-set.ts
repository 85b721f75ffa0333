// One interface over the aggregation kernels, so the server can run the plain reference implementations
// (to check or debug a run) or the fast paths without changing any other code. Both give identical results.

import { coordinateMean, coordinateMeanReference } from './mean.js';
import { coordinateMedianFast, coordinateMedianReference } from './median.js';
import { majorityVoteFast, majorityVoteReference, type VoteInput } from './vote.js';

export type KernelChoice = 'fast' | 'reference';

export interface KernelSet {
  vote(input: VoteInput, out?: Uint32Array): Uint32Array;
  median(inputs: Float32Array[], out?: Float32Array): Float32Array;
  mean(inputs: Float32Array[], out?: Float32Array): Float32Array;
}

export function kernelSet(choice: KernelChoice): KernelSet {
  switch (choice) {
    case 'fast':
      return { vote: majorityVoteFast, median: coordinateMedianFast, mean: coordinateMean };
    case 'reference':
      return { vote: majorityVoteReference, median: coordinateMedianReference, mean: coordinateMeanReference };
    default: {
      const unknown: never = choice;
      throw new TypeError(`unknown kernel choice: ${String(unknown)}`);
    }
  }
}
