// Stochastic sign (Safaryan & Richtárik, Def. of s̃ign): +1 with probability ½ + v_j / (2‖v‖₂), else −1,
// so E[‖v‖₂ · s̃ign(v)] = v. Shared by the `stochastic-sign` (SSDM) and `sto-sign` compressors.
// s̃ign(0) = 0 cannot be sent in one bit: for v = 0 every coordinate is a fair coin, which is 0 in expectation.
import type { Xoshiro128 } from '../../random/xoshiro128.js';

/** Writes s̃ign(v) into `words` (bit 1 = −1); returns ‖v‖₂. */
export function packStochasticSigns(vector: Float32Array, words: Uint32Array, rng: Xoshiro128): number {
  let squares = 0;
  for (let j = 0; j < vector.length; j++) squares += vector[j] * vector[j];
  const norm = Math.sqrt(squares);
  const halfOverNorm = norm > 0 ? 0.5 / norm : 0;
  const d = vector.length;
  for (let w = 0, base = 0; base < d; w++, base += 32) {
    const end = Math.min(32, d - base);
    let word = 0;
    for (let k = 0; k < end; k++) {
      const probabilityPlus = 0.5 + vector[base + k] * halfOverNorm;
      word |= (rng.nextFloat() < probabilityPlus ? 0 : 1) << k;
    }
    words[w] = word;
  }
  return norm;
}
