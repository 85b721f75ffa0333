// Natural logarithm in f32 lanes, for the noise kernels' inverse transforms (Box–Muller's radius, Laplace's
// magnitude). The argument is always a 24-bit draw a scaled into (0, 1] as (a + 1)·2^-24, so this takes a:
// the conversion is exact, and no lane is ever 0, negative, infinite or denormal.

import { lanes } from './lane-constants';

/** The bits of √½ as f32: subtracting them puts the mantissa in [√½, √2), and the exponent follows. */
const SQRT_HALF_BITS: i32 = 0x3f3504f3;

// ln(1 + f) = f·Q(f) for f in [√½ − 1, √2 − 1], Q of degree 7 fitted for this interval by iteratively
// reweighted least squares towards the smallest relative error (1.7e-7 before rounding to f32). With the
// rounding of every step, ln((a + 1)·2^-24) is within 4e-7 relative and 1.1e-6 absolute of the exact value
// for every a (checked exhaustively against Math.log while fitting; test/noise-wasm.test.ts checks a sweep).
const Q0 = memory.data<f32>([0.9999999403953552]);
const Q1 = memory.data<f32>([-0.5000036358833313]);
const Q2 = memory.data<f32>([0.33335059881210327]);
const Q3 = memory.data<f32>([-0.24969908595085144]);
const Q4 = memory.data<f32>([0.19900165498256683]);
const Q5 = memory.data<f32>([-0.17250829935073853]);
const Q6 = memory.data<f32>([0.16222581267356873]);
const Q7 = memory.data<f32>([-0.10106894373893738]);
const LN2 = memory.data<f32>([0.6931471805599453]);
const ONE = memory.data<f32>([1]);
/** Bits of (a + 1) as f32 minus these: the exponent of (a + 1)·2^-24 relative to √½, and the mantissa. */
const LOG_OFFSET = memory.data<i32>([SQRT_HALF_BITS + (24 << 23)]);
const MANTISSA = memory.data<i32>([0x007fffff]);
const SQRT_HALF = memory.data<i32>([SQRT_HALF_BITS]);

/** ln((a + 1) · 2^-24) in each lane, for i32 lanes a in [0, 2^24): a result in [−24 ln 2, 0]. */
@inline
export function logOfDraw(a: v128): v128 {
  // a + 1 ≤ 2^24 is exact in f32. (a + 1)·2^-24 = 2^e · m with m in [√½, √2).
  const bits = i32x4.sub(f32x4.add(f32x4.convert_i32x4_s(a), lanes(ONE)), lanes(LOG_OFFSET));
  const f = f32x4.sub(i32x4.add(v128.and(bits, lanes(MANTISSA)), lanes(SQRT_HALF)), lanes(ONE));
  // Q by Estrin's scheme: four independent pairs instead of one chain of seven, so lanes of neighbouring
  // steps overlap in the pipeline.
  const f2 = f32x4.mul(f, f);
  const f4 = f32x4.mul(f2, f2);
  const q01 = f32x4.add(f32x4.mul(lanes(Q1), f), lanes(Q0));
  const q23 = f32x4.add(f32x4.mul(lanes(Q3), f), lanes(Q2));
  const q45 = f32x4.add(f32x4.mul(lanes(Q5), f), lanes(Q4));
  const q67 = f32x4.add(f32x4.mul(lanes(Q7), f), lanes(Q6));
  const q = f32x4.add(f32x4.add(q01, f32x4.mul(q23, f2)), f32x4.mul(f4, f32x4.add(q45, f32x4.mul(q67, f2))));
  const exponent = f32x4.convert_i32x4_s(i32x4.shr_s(bits, 23));
  return f32x4.add(f32x4.mul(f, q), f32x4.mul(exponent, lanes(LN2)));
}
