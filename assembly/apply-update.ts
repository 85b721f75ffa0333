// The replica step x ← x − γ·u (shared/kernels/apply-update.ts), four coordinates per SIMD step, on a chunk
// of parameters the caller staged in linear memory. Bit for bit what the JS definition computes: JS reads a
// float32 as a double, subtracts the step in double and rounds once when it stores; here each float32 lane is
// promoted to f64, the same f64 step subtracted, and the result demoted once. The steps themselves (±γ, or
// (γ/M)(2c − m)) are the same f64 products as in JS.

/** x − step in f64 for four float32 lanes (steps for lanes 0–1 and 2–3), each rounded once to float32. */
@inline
function subtractInDouble(x: v128, stepLow: v128, stepHigh: v128): v128 {
  const low = f64x2.sub(f64x2.promote_low_f32x4(x), stepLow);
  const high = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3)), stepHigh);
  return i64x2.shuffle(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2);
}

/**
 * The four f64 steps of a group of four coordinates, for each of the 16 patterns of their sign bits: entry n
 * (32 bytes) holds, for lane i, stepIfNegative if bit i of n is set, else stepIfPositive. Looking a group's
 * steps up costs two loads; building them from the bits with SIMD masks took 1.8× as long (25M: 16.7 ms vs
 * 9.2 ms for the kernel alone).
 */
const SIGN_GROUP_STEPS: usize = memory.data(16 * 32, 16);

/** For each 4-bit pattern n (16 bytes each): all-ones in the i32 lanes i where bit i of n is set. */
const GROUP_LANE_MASKS: usize = memory.data(16 * 16, 16);

function fillSignGroupSteps(stepIfPositive: f64, stepIfNegative: f64): void {
  for (let n = 0; n < 16; n++) {
    for (let lane = 0; lane < 4; lane++) {
      store<f64>(SIGN_GROUP_STEPS + (<usize>n << 5) + (<usize>lane << 3), (n >>> lane) & 1 ? stepIfNegative : stepIfPositive);
      store<i32>(GROUP_LANE_MASKS + (<usize>n << 4) + (<usize>lane << 2), -((n >>> lane) & 1));
    }
  }
}

/** Where coordinates 4·group..4·group+3 of `word` find their entry in a 16-entry table of `entryBytes`. */
@inline
function groupEntry(table: usize, word: i32, group: i32, entryBytes: i32): usize {
  return table + <usize>(((word >>> (group << 2)) & 15) * entryBytes);
}

/** sign-bits: x_j −= γ·(1 − 2·bit_j) over `words` words of 32 coordinates; the two steps as JS forms them. */
export function applySigns(parameters: usize, signs: usize, words: i32, stepIfPositive: f64, stepIfNegative: f64): void {
  fillSignGroupSteps(stepIfPositive, stepIfNegative);
  for (let w = 0; w < words; w++) {
    const word = load<i32>(signs + (<usize>w << 2));
    const at = parameters + (<usize>w << 7);
    for (let group = 0; group < 8; group++) {
      const groupAt = at + (<usize>group << 4);
      const steps = groupEntry(SIGN_GROUP_STEPS, word, group, 32);
      v128.store(groupAt, subtractInDouble(v128.load(groupAt), v128.load(steps), v128.load(steps, 16)));
    }
  }
}

/**
 * sign-bits+ties: as applySigns, but a coordinate whose tie bit is set keeps its float32 bits untouched
 * (not x − 0, which would quiet a signalling NaN).
 */
export function applySignsSkippingTies(
  parameters: usize,
  signs: usize,
  ties: usize,
  words: i32,
  stepIfPositive: f64,
  stepIfNegative: f64,
): void {
  fillSignGroupSteps(stepIfPositive, stepIfNegative);
  for (let w = 0; w < words; w++) {
    const word = load<i32>(signs + (<usize>w << 2));
    const tieWord = load<i32>(ties + (<usize>w << 2));
    const at = parameters + (<usize>w << 7);
    for (let group = 0; group < 8; group++) {
      const groupAt = at + (<usize>group << 4);
      const steps = groupEntry(SIGN_GROUP_STEPS, word, group, 32);
      const x = v128.load(groupAt);
      const stepped = subtractInDouble(x, v128.load(steps), v128.load(steps, 16));
      v128.store(groupAt, v128.bitselect(x, stepped, v128.load(groupEntry(GROUP_LANE_MASKS, tieWord, group, 16))));
    }
  }
}

/** One word's 32 counts c_j, a byte each (count-planes allow M ≤ 255); 8 bytes more for the last group's load. */
const WORD_COUNTS: usize = memory.data(40, 16);

/** Byte i of the result is all-ones when bit 16·half + i of `word` is set. */
@inline
function bitsAsByteMasks(word: i32, half: i32): v128 {
  const byteOfLane = half == 0
    ? i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)
    : i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const bitOfLane = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return i8x16.eq(v128.and(i8x16.swizzle(i32x4.splat(word), byteOfLane), bitOfLane), bitOfLane);
}

/**
 * count-planes (Safaryan & Richtárik, Alg. 3): x_j −= scale·(2c_j − m), c_j read from `planeCount` bit planes
 * `planeStrideBytes` apart (plane p holds bit p of c). A word's 32 counts are gathered as bytes first, 16
 * lanes per SIMD step, then read four at a time. 2c − m is an exact small integer in f64, so scale·(2c − m)
 * is the same product JS forms.
 */
export function applyCountPlanes(
  parameters: usize,
  planes: usize,
  planeStrideBytes: usize,
  planeCount: i32,
  words: i32,
  scale: f64,
  contributors: i32,
): void {
  const scales = f64x2.splat(scale);
  const minusContributors = i32x4.splat(-contributors);
  for (let w = 0; w < words; w++) {
    const wordAt = planes + (<usize>w << 2);
    let countsLow = i8x16.splat(0);
    let countsHigh = countsLow;
    for (let p = 0; p < planeCount; p++) {
      const word = load<i32>(wordAt + <usize>p * planeStrideBytes);
      // 2^p in every byte (p < 8, so no byte carries into the next).
      const weight = i32x4.splat(0x01010101 << p);
      countsLow = v128.or(countsLow, v128.and(bitsAsByteMasks(word, 0), weight));
      countsHigh = v128.or(countsHigh, v128.and(bitsAsByteMasks(word, 1), weight));
    }
    v128.store(WORD_COUNTS, countsLow);
    v128.store(WORD_COUNTS, countsHigh, 16);
    const at = parameters + (<usize>w << 7);
    for (let group = 0; group < 8; group++) {
      const counts = i32x4.extend_low_i16x8_u(v128.load8x8_u(WORD_COUNTS + (<usize>group << 2)));
      const signedSum = i32x4.add(i32x4.shl(counts, 1), minusContributors);
      const stepLow = f64x2.mul(scales, f64x2.convert_low_i32x4_s(signedSum));
      const stepHigh = f64x2.mul(scales, f64x2.convert_low_i32x4_s(i32x4.shuffle(signedSum, signedSum, 2, 3, 2, 3)));
      const groupAt = at + (<usize>group << 4);
      v128.store(groupAt, subtractInDouble(v128.load(groupAt), stepLow, stepHigh));
    }
  }
}

/** f32: x_j −= γ·u_j over `vectors` groups of four coordinates, the product and difference in f64. */
export function applyFloats(parameters: usize, update: usize, vectors: i32, stepSize: f64): void {
  const step = f64x2.splat(stepSize);
  for (let v = 0; v < vectors; v++) {
    const groupAt = parameters + (<usize>v << 4);
    const u = v128.load(update + (<usize>v << 4));
    const stepLow = f64x2.mul(step, f64x2.promote_low_f32x4(u));
    const stepHigh = f64x2.mul(step, f64x2.promote_low_f32x4(i32x4.shuffle(u, u, 2, 3, 2, 3)));
    v128.store(groupAt, subtractInDouble(v128.load(groupAt), stepLow, stepHigh));
  }
}

/**
 * x_j ← x_j·factor over `vectors` groups of four coordinates, in f64 and rounded once to float32: the decoupled
 * weight decay's pass (factor = 1 − γλ), taken before the step as JS takes it.
 */
export function scaleFloats(parameters: usize, vectors: i32, factor: f64): void {
  const factors = f64x2.splat(factor);
  for (let v = 0; v < vectors; v++) {
    const at = parameters + (<usize>v << 4);
    const x = v128.load(at);
    const low = f64x2.mul(f64x2.promote_low_f32x4(x), factors);
    const high = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3)), factors);
    v128.store(at, i64x2.shuffle(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2));
  }
}
