// An exact zero on a 1-bit uplink. The papers' sign(0) = 0 abstains from the vote, but one bit cannot say 0,
// and the IEEE sign bit sends +0 as +1: on MNIST the first-layer weights of the 111 always-black pixels then
// drift by −γ every round. Instead a ±0 is sent as a fair coin, +1 or −1 with probability ½ each, so it is 0 in
// expectation (METHODS.md, "Zero coordinates"). The coins are stateless, bit j & 31 of
// tieCoinWord(seed, round, j >>> 5) for the worker's own coin seed (workerCoinSeed), so a run is reproducible
// from its seed, the workers' coins are independent, and the JS and WebAssembly paths agree bit for bit.
import { tieCoinWord } from '../random/tie-coin.js';
import { packSigns, signWordCount } from './sign-bits.js';

/** Whose coins, for which round. */
export interface ZeroCoins {
  /** workerCoinSeed(run seed, worker) */
  seed: number;
  round: number;
}

/** The definition: element by element, ±0 → its coin, anything else (NaN included) → its IEEE sign bit. */
export function packSignsCoiningZerosReference(values: Float32Array, coins: ZeroCoins): Uint32Array {
  const words = new Uint32Array(signWordCount(values.length));
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  for (let j = 0; j < values.length; j++) {
    const bit = (bits[j] & 0x7fffffff) === 0 ? (tieCoinWord(coins.seed, coins.round, j >>> 5) >>> (j & 31)) & 1 : bits[j] >>> 31;
    words[j >>> 5] |= bit << (j & 31);
  }
  return words;
}

/** packSigns, then every word holding a ±0 takes those coordinates' coins (one hash per such word). */
export function packSignsCoiningZeros(values: Float32Array, coins: ZeroCoins, out?: Uint32Array): Uint32Array {
  const words = packSigns(values, out);
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  for (let w = 0; w < words.length; w++) {
    const base = w << 5;
    const end = Math.min(32, values.length - base);
    let zeros = 0;
    for (let k = 0; k < end; k++) zeros |= ((bits[base + k] & 0x7fffffff) === 0 ? 1 : 0) << k;
    if (zeros !== 0) words[w] = (words[w] & ~zeros) | (tieCoinWord(coins.seed, coins.round, w) & zeros);
  }
  return words;
}
