// What every majority-vote kernel accepts: M packed sign vectors of one length d, plus the round's tie-coin
// key. The checks live here so the reference, JS and WebAssembly kernels refuse exactly the same inputs.

import { signWordCount } from '../codec/sign-bits.js';
import { ConfigError } from '../errors.js';

export interface VoteInput {
  /** One packed sign vector per worker, each signWordCount(d) words with padding bits 0. */
  words: Uint32Array[];
  d: number;
  seed: number;
  round: number;
  /**
   * Global index of words[i][0] in the whole parameter vector (a shard's or a chunk's first word), so a tie takes
   * the same coin whichever slice it is voted in; 0 when the vector is whole.
   */
  firstWord?: number;
}

/** Largest M the bit-sliced counters hold: 7 bit-planes count to 127. */
export const MAX_VOTE_WORKERS = 127;

/** Validates the input and returns M. */
export function checkVoteInput(input: VoteInput): number {
  const m = input.words.length;
  if (m < 1 || m > MAX_VOTE_WORKERS) {
    throw new ConfigError(
      `majority vote got ${m} sign vectors; it supports 1 to ${MAX_VOTE_WORKERS} workers per round`,
    );
  }
  const wordCount = signWordCount(input.d);
  for (let i = 0; i < m; i++) {
    if (input.words[i].length !== wordCount) {
      throw new RangeError(
        `sign vector ${i} has ${input.words[i].length} words, expected ${wordCount} for d = ${input.d}`,
      );
    }
  }
  return m;
}

/** The caller's output buffer when it has the right length, else a new one. */
export function checkedVoteOutput(out: Uint32Array | undefined, wordCount: number): Uint32Array {
  if (out === undefined) return new Uint32Array(wordCount);
  if (out.length !== wordCount) {
    throw new RangeError(`vote output has ${out.length} words, expected ${wordCount}`);
  }
  return out;
}

/** Keeps the bits past d out of the last word: zero padding is part of the format. */
export function clearPaddingBits(result: Uint32Array, d: number): void {
  const tailBits = d & 31;
  if (tailBits !== 0) result[result.length - 1] &= (1 << tailBits) - 1;
}
