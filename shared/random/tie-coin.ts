// Seeded fair coins for breaking majority-vote ties with even M (METHODS.md: "break ties unbiasedly").
// Safaryan et al. show 2l−1 and 2l workers are the same in expectation; an unbiased coin on a tie keeps
// that true where the paper's sign(0) = 0 cannot be sent in one bit.
//
// Stateless: the coins for one 32-coordinate word depend only on (seed, round, wordIndex), so every
// kernel, in any order or chunking, draws the same coin for the same coordinate. The hash is built from
// MurmurHash3_x86_32's steps: the seed as the hash seed, round and word index mixed in as two blocks, then the
// finaliser (each argument taken modulo 2^32).

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** 32 fair coin bits for word `wordIndex` of round `round`; bit j & 31 is the coin of coordinate j. */
export function tieCoinWord(seed: number, round: number, wordIndex: number): number {
  let h = seed | 0;
  h = mixBlock(h, round | 0);
  h = mixBlock(h, wordIndex | 0);
  h ^= 12; // length in bytes, as MurmurHash3 does
  return finalMix(h) >>> 0;
}

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Where a worker's coin seed is hashed from, apart from any round a vote's tie coins use. */
const WORKER_COIN_DOMAIN = 0x7a65726f;

/** The seed of worker `workerIndex`'s own coins (shared/codec/zero-coins.ts): independent of other workers'. */
export function workerCoinSeed(seed: number, workerIndex: number): number {
  return tieCoinWord(seed, WORKER_COIN_DOMAIN, workerIndex) | 0;
}
