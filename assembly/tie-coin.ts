// Seeded fair coins for majority-vote ties, four words at a time: the same MurmurHash3_x86_32 over
// (seed, round, wordIndex) as shared/random/tie-coin.ts, so the WASM vote draws the same coin as the JS
// paths for every coordinate (METHODS.md: "break ties unbiasedly").

const C1: i32 = 0xcc9e2d51;
const C2: i32 = 0x1b873593;

/** The hash state after (seed, round): the same for every word of a round, so it is computed once. */
export function tieCoinPrefix(seed: i32, round: i32): i32 {
  let k = round * C1;
  k = rotl<i32>(k, 15) * C2;
  let h = seed ^ k;
  h = rotl<i32>(h, 13);
  return h * 5 + 0xe6546b64;
}

@inline
function rotateLanes(x: v128, bits: i32): v128 {
  return v128.or(i32x4.shl(x, bits), i32x4.shr_u(x, 32 - bits));
}

/** Coin words for word indices firstWord .. firstWord + 3, finishing the hash from `prefix`. */
@inline
export function tieCoinWords(prefix: i32, firstWord: i32): v128 {
  const wordIndex = i32x4.add(i32x4.splat(firstWord), i32x4(0, 1, 2, 3));
  let k = i32x4.mul(wordIndex, i32x4.splat(C1));
  k = i32x4.mul(rotateLanes(k, 15), i32x4.splat(C2));
  let h = v128.xor(i32x4.splat(prefix), k);
  h = rotateLanes(h, 13);
  h = i32x4.add(i32x4.mul(h, i32x4.splat(5)), i32x4.splat(0xe6546b64));
  // Length in bytes (three 32-bit blocks), as MurmurHash3 does; then the finaliser.
  h = v128.xor(h, i32x4.splat(12));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}
