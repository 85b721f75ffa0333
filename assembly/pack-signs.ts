// 1-bit sign packing (signSGD's uplink, Bernstein et al. 2018, Alg. 1), 16 floats per SIMD step. Same bits
// as shared/codec/sign-bits.ts: element j goes to bit j & 31 of word j >>> 5, and the bit is the float's
// IEEE sign bit (so −0 and NaNs with the sign bit set pack as 1). packSignsCoiningZeros is the uplink's form
// (shared/codec/zero-coins.ts): an exact ±0 takes a seeded fair coin instead, so it abstains in expectation.
import { tieCoinPrefix, tieCoinWords } from './tie-coin';

/**
 * Packs `words` words from the floats at `values` into `out`. The sign bit survives saturating narrowing
 * (a negative i32 stays negative as i16, then as i8), so four vectors narrow to one whose byte bitmask
 * holds 16 sign bits, in element order.
 */
export function packSigns(values: usize, words: i32, out: usize): void {
  for (let w = 0; w < words; w++) {
    const at = values + (<usize>w << 7);
    const low = i8x16.narrow_i16x8_s(
      i16x8.narrow_i32x4_s(v128.load(at), v128.load(at, 16)),
      i16x8.narrow_i32x4_s(v128.load(at, 32), v128.load(at, 48)),
    );
    const high = i8x16.narrow_i16x8_s(
      i16x8.narrow_i32x4_s(v128.load(at, 64), v128.load(at, 80)),
      i16x8.narrow_i32x4_s(v128.load(at, 96), v128.load(at, 112)),
    );
    store<i32>(out + (<usize>w << 2), i8x16.bitmask(low) | (i8x16.bitmask(high) << 16));
  }
}

/** Lane masks of a word's 32 floats that are ±0 (all bits but the sign bit clear), as one 32-bit mask. */
@inline
function zeroMask(at: usize): i32 {
  const magnitude = i32x4.splat(0x7fffffff);
  const zero = i32x4.splat(0);
  const low = i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.eq(v128.and(v128.load(at), magnitude), zero), i32x4.eq(v128.and(v128.load(at, 16), magnitude), zero)),
    i16x8.narrow_i32x4_s(i32x4.eq(v128.and(v128.load(at, 32), magnitude), zero), i32x4.eq(v128.and(v128.load(at, 48), magnitude), zero)),
  );
  const high = i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(i32x4.eq(v128.and(v128.load(at, 64), magnitude), zero), i32x4.eq(v128.and(v128.load(at, 80), magnitude), zero)),
    i16x8.narrow_i32x4_s(i32x4.eq(v128.and(v128.load(at, 96), magnitude), zero), i32x4.eq(v128.and(v128.load(at, 112), magnitude), zero)),
  );
  return i8x16.bitmask(low) | (i8x16.bitmask(high) << 16);
}

/**
 * As packSigns, but a coordinate whose float is ±0 takes bit j & 31 of tieCoinWord(coinSeed, round, firstWord + w),
 * the same hash shared/random/tie-coin.ts computes.
 */
export function packSignsCoiningZeros(values: usize, words: i32, out: usize, coinSeed: i32, round: i32, firstWord: i32): void {
  packSigns(values, words, out);
  const coinPrefix = tieCoinPrefix(coinSeed, round);
  for (let w = 0; w < words; w++) {
    const zeros = zeroMask(values + (<usize>w << 7));
    if (zeros == 0) continue;
    const coin = i32x4.extract_lane(tieCoinWords(coinPrefix, firstWord + w), 0);
    const at = out + (<usize>w << 2);
    store<i32>(at, (load<i32>(at) & ~zeros) | (coin & zeros));
  }
}
