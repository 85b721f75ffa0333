// Majority vote (Bernstein et al. 2018; Chen et al. Alg. 1) in plain JavaScript: bit-sliced counting, 32
// coordinates per word, for hosts without WebAssembly SIMD. Bit-identical to majorityVoteReference
// (vote.ts), tie coins included.

import { signWordCount } from '../codec/sign-bits.js';
import { tieCoinWord } from '../random/tie-coin.js';
import { checkVoteInput, checkedVoteOutput, clearPaddingBits, type VoteInput } from './vote-input.js';

/**
 * Bit-sliced vote: per word position, the 32 lanes' negative counts live in bit-planes p0..p6 (local
 * variables), filled with carry-save adders (Harley–Seal style: 8 inputs → one carry of weight 8), then
 * compared with floor(M/2) with whole-word masks.
 */
export function majorityVoteJs(input: VoteInput, out?: Uint32Array): Uint32Array {
  const { words, d, seed, round, firstWord = 0 } = input;
  const m = checkVoteInput(input);
  const wordCount = signWordCount(d);
  const result = checkedVoteOutput(out, wordCount);
  const half = m >>> 1;
  // All-ones where bit b of floor(M/2) is set: lets the compare run without branches.
  const t0 = -(half & 1);
  const t1 = -((half >>> 1) & 1);
  const t2 = -((half >>> 2) & 1);
  const t3 = -((half >>> 3) & 1);
  const t4 = -((half >>> 4) & 1);
  const t5 = -((half >>> 5) & 1);
  const t6 = -((half >>> 6) & 1);
  const canTie = (m & 1) === 0;

  for (let w = 0; w < wordCount; w++) {
    let p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0;
    let u = 0, c = 0, twosA = 0, twosB = 0, foursA = 0, foursB = 0;
    let i = 0;
    for (; i + 8 <= m; i += 8) {
      const x0 = words[i][w], x1 = words[i + 1][w], x2 = words[i + 2][w], x3 = words[i + 3][w];
      const x4 = words[i + 4][w], x5 = words[i + 5][w], x6 = words[i + 6][w], x7 = words[i + 7][w];
      u = p0 ^ x0; twosA = (p0 & x0) | (u & x1); p0 = u ^ x1;
      u = p0 ^ x2; twosB = (p0 & x2) | (u & x3); p0 = u ^ x3;
      u = p1 ^ twosA; foursA = (p1 & twosA) | (u & twosB); p1 = u ^ twosB;
      u = p0 ^ x4; twosA = (p0 & x4) | (u & x5); p0 = u ^ x5;
      u = p0 ^ x6; twosB = (p0 & x6) | (u & x7); p0 = u ^ x7;
      u = p1 ^ twosA; foursB = (p1 & twosA) | (u & twosB); p1 = u ^ twosB;
      u = p2 ^ foursA; c = (p2 & foursA) | (u & foursB); p2 = u ^ foursB;
      // c has weight 8: ripple it up.
      u = p3 & c; p3 ^= c; c = p4 & u; p4 ^= u; u = p5 & c; p5 ^= c; p6 ^= u;
    }
    if (i + 4 <= m) {
      const x0 = words[i][w], x1 = words[i + 1][w], x2 = words[i + 2][w], x3 = words[i + 3][w];
      u = p0 ^ x0; twosA = (p0 & x0) | (u & x1); p0 = u ^ x1;
      u = p0 ^ x2; twosB = (p0 & x2) | (u & x3); p0 = u ^ x3;
      u = p1 ^ twosA; c = (p1 & twosA) | (u & twosB); p1 = u ^ twosB;
      // c has weight 4.
      u = p2 & c; p2 ^= c; c = p3 & u; p3 ^= u; u = p4 & c; p4 ^= c; c = p5 & u; p5 ^= u; p6 ^= c;
      i += 4;
    }
    if (i + 2 <= m) {
      const x0 = words[i][w], x1 = words[i + 1][w];
      u = p0 ^ x0; c = (p0 & x0) | (u & x1); p0 = u ^ x1;
      // c has weight 2.
      u = p1 & c; p1 ^= c; c = p2 & u; p2 ^= u; u = p3 & c; p3 ^= c;
      c = p4 & u; p4 ^= u; u = p5 & c; p5 ^= c; p6 ^= u;
      i += 2;
    }
    if (i < m) {
      c = words[i][w];
      u = p0 & c; p0 ^= c; c = p1 & u; p1 ^= u; u = p2 & c; p2 ^= c;
      c = p3 & u; p3 ^= u; u = p4 & c; p4 ^= c; c = p5 & u; p5 ^= u; p6 ^= c;
    }

    // Lanes whose count is > floor(M/2) (negative majority) and == floor(M/2), from the top plane down.
    let greater = 0;
    let equal = -1;
    greater |= equal & p6 & ~t6; equal &= ~(p6 ^ t6);
    greater |= equal & p5 & ~t5; equal &= ~(p5 ^ t5);
    greater |= equal & p4 & ~t4; equal &= ~(p4 ^ t4);
    greater |= equal & p3 & ~t3; equal &= ~(p3 ^ t3);
    greater |= equal & p2 & ~t2; equal &= ~(p2 ^ t2);
    greater |= equal & p1 & ~t1; equal &= ~(p1 ^ t1);
    greater |= equal & p0 & ~t0; equal &= ~(p0 ^ t0);

    // With odd M, count == floor(M/2) is a positive majority; with even M it is a tie.
    if (canTie && equal !== 0) greater |= equal & tieCoinWord(seed, round, firstWord + w);
    result[w] = greater;
  }
  // Zero padding votes 0 negatives, which already yields 0; the mask keeps stray input padding out too.
  clearPaddingBits(result, d);
  return result;
}
