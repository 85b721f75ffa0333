// Majority vote (Bernstein et al. 2018; Chen et al. Alg. 1; Safaryan & Richtárik Alg. 2):
// v = sign(Σ_i sign g_i), over M packed sign vectors (bit 1 = −1, see shared/codec/sign-bits.ts).
//
// Tie rule (even M, exactly M/2 negative votes): the paper's sign(0) = 0 cannot be sent in one bit, so the
// bit is a fair seeded coin, bit j & 31 of tieCoinWord(seed, round, j >>> 5) for the global coordinate j. Same seed and round, same
// result on every replica; the coin is unbiased, so the step is 0 in expectation as in the paper.
//
// This file's reference is the definition; vote-js.ts and wasm/vote-wasm.ts match it bit for bit, and
// majorityVoteFast is the fastest of those this host can run.

import { signWordCount } from '../codec/sign-bits.js';
import { tieCoinWord } from '../random/tie-coin.js';
import { checkVoteInput, checkedVoteOutput, type VoteInput } from './vote-input.js';
import { majorityVoteJs } from './vote-js.js';
import { majorityVoteWasm } from './wasm/vote-wasm.js';
import { wasmKernelsAvailable } from './wasm/wasm-module.js';

export { MAX_VOTE_WORKERS, type VoteInput } from './vote-input.js';
export { majorityVoteJs } from './vote-js.js';
export { majorityVoteWasm } from './wasm/vote-wasm.js';

/** Per-coordinate counting: the definition every fast vote must match bit for bit. */
export function majorityVoteReference(input: VoteInput, out?: Uint32Array): Uint32Array {
  const { words, d, seed, round, firstWord = 0 } = input;
  const m = checkVoteInput(input);
  const result = checkedVoteOutput(out, signWordCount(d));
  result.fill(0);
  for (let j = 0; j < d; j++) {
    const w = j >>> 5;
    const lane = j & 31;
    let negatives = 0;
    for (let i = 0; i < m; i++) negatives += (words[i][w] >>> lane) & 1;
    let negative: number;
    if (2 * negatives > m) negative = 1;
    else if (2 * negatives < m) negative = 0;
    else negative = (tieCoinWord(seed, round, firstWord + w) >>> lane) & 1;
    result[w] |= negative << lane;
  }
  return result;
}

/** WebAssembly SIMD when this host runs it, else the JS bit-sliced vote. */
export function majorityVoteFast(input: VoteInput, out?: Uint32Array): Uint32Array {
  return wasmKernelsAvailable() ? majorityVoteWasm(input, out) : majorityVoteJs(input, out);
}
