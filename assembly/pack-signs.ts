// 1-bit sign packing (signSGD's uplink, Bernstein et al. 2018, Alg. 1), 16 floats per SIMD step. Same bits
// as shared/codec/sign-bits.ts: element j goes to bit j & 31 of word j >>> 5, and the bit is the float's
// IEEE sign bit (so −0 and NaNs with the sign bit set pack as 1).

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
