// Sortable keys for the coordinate median, four float32 lanes at a time: signed i32 order on the keys is
// the order of Float32Array.prototype.sort on the floats (−∞ < … < −0 < +0 < … < +∞ < NaN), so a
// comparator is one i32x4.min_s and one i32x4.max_s. Same mapping as shared/kernels/median-js.ts.

/**
 * Float bits → key: a negative float becomes ~magnitude (its magnitude bits flipped, sign kept), so signed
 * integer order is the float order with −0 < +0. A NaN keeps just its magnitude, above +∞'s, so every NaN
 * sorts last whatever its sign bit.
 */
@inline
export function sortKeys(bits: v128): v128 {
  const magnitude = v128.and(bits, i32x4.splat(0x7fffffff));
  const notNaN = i32x4.gt_s(i32x4.splat(0x7f800001), magnitude);
  return v128.xor(magnitude, v128.and(i32x4.shr_s(bits, 31), notNaN));
}

/** Replaces `bytes` bytes of float32 bits with their keys. */
export function sortKeysInPlace(values: usize, bytes: usize): void {
  for (let k: usize = 0; k < bytes; k += 16) v128.store(values + k, sortKeys(v128.load(values + k)));
}

/** Inverse of sortKeys on everything but negative NaNs (which come back as positive NaNs). */
@inline
export function bitsFromKeys(keys: v128): v128 {
  return v128.xor(keys, v128.and(i32x4.shr_s(keys, 31), i32x4.splat(0x7fffffff)));
}

/**
 * (lo + hi) / 2 in double lanes, rounded once to float32, exactly as the reference does. In float32 the
 * sum could overflow to ±∞ where the double stays finite (two values near the float32 maximum), so the
 * sum is never formed in float32.
 */
@inline
export function pairMean(lo: v128, hi: v128): v128 {
  const half = f64x2.splat(0.5);
  const meanLow = f64x2.mul(f64x2.add(f64x2.promote_low_f32x4(lo), f64x2.promote_low_f32x4(hi)), half);
  // Lanes 2 and 3 moved down so they can be promoted as well.
  const loUpper = i32x4.shuffle(lo, lo, 2, 3, 2, 3);
  const hiUpper = i32x4.shuffle(hi, hi, 2, 3, 2, 3);
  const meanHigh = f64x2.mul(f64x2.add(f64x2.promote_low_f32x4(loUpper), f64x2.promote_low_f32x4(hiUpper)), half);
  return i64x2.shuffle(f32x4.demote_f64x2_zero(meanLow), f32x4.demote_f64x2_zero(meanHigh), 0, 2);
}
