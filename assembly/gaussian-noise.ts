// Gaussian noise ξ ~ N(0, 1), added as b·ξ (Chen et al. 2020, Alg. 3), eight coordinates per SIMD step by
// Box–Muller (1958): u1 in (0, 1] and u2 in [0, 1) give r = √(−2 ln u1), θ = 2π·u2 and two independent
// normals r·cos θ, r·sin θ. The JS path's ziggurat (shared/random/noise.ts) needs table look-ups and
// rejections, which do not vectorise; Box–Muller is straight-line arithmetic in every lane.
//
// Each block of draws goes through two passes: radii (written over their draws, four steps at a time), then
// angles and the sums (two steps at a time). The kernel is bound by the latency of its polynomial chains more
// than by its number of operations, so the passes keep chains short and several of them independent (measured
// ~15% faster at 25M coordinates than one pass over single steps).

import { lanes } from './lane-constants';
import { logOfDraw } from './log-lanes';
import { BLOCK_STEPS, drawBlock, drawLaneBlock } from './noise-lanes';

// θ = π·w with w = 2·u2 in [0, 2) and w = h + t, h = round(w) in {0, 1, 2}, t in [−½, ½]: then
// cos θ = ±cos(πt) and sin θ = ±sin(πt), negative when h = 1. sin(πt) = t·S(t²) and cos(πt) = 1 + t²·C(t²),
// fitted like log-lanes.ts's Q (errors 3.3e-9 and 2.4e-10 before rounding); evaluated in f32, both are
// within 2.2e-7 of sin θ and cos θ for every 24-bit u2.
const S0 = memory.data<f32>([3.141592502593994]);
const S1 = memory.data<f32>([-5.1677069664001465]);
const S2 = memory.data<f32>([2.5500314235687256]);
const S3 = memory.data<f32>([-0.5980451703071594]);
const S4 = memory.data<f32>([0.0772201269865036]);
const C1 = memory.data<f32>([-4.934802055358887]);
const C2 = memory.data<f32>([4.058709621429443]);
const C3 = memory.data<f32>([-1.3352160453796387]);
const C4 = memory.data<f32>([0.23495392501354218]);
const C5 = memory.data<f32>([-0.02442069910466671]);
const ONE = memory.data<f32>([1]);
const MINUS_TWO = memory.data<f32>([-2]);
/** 2^-23: a 24-bit draw times this is w = 2·u2. */
const HALF_TURNS_PER_UNIT = memory.data<f32>([1.1920928955078125e-7]);

/**
 * For each step i < `steps` (a multiple of 4), pair k (0..3) takes u1 from lane k's draw and u2 from lane
 * 4 + k's: values[8i + k] += scale · r cos θ and values[8i + 4 + k] += scale · r sin θ, where u1 = (top 24
 * bits + 1)·2^-24 (never 0) and u2 = top 24 bits · 2^-24. The lanes' state at `state` advances `steps` draws.
 */
export function addGaussianNoise(values: usize, steps: i32, scale: f32, state: usize): void {
  const scales = f32x4.splat(scale);
  for (let done = 0; done < steps; done += BLOCK_STEPS) {
    const blockSteps = min(BLOCK_STEPS, steps - done);
    drawLaneBlock(state, blockSteps);
    for (let i = 0; i < blockSteps; i += 4) {
      const at = drawBlock + (<usize>i << 5);
      const r0 = radius(v128.load(at, 0));
      const r1 = radius(v128.load(at, 32));
      const r2 = radius(v128.load(at, 64));
      const r3 = radius(v128.load(at, 96));
      v128.store(at, r0, 0);
      v128.store(at, r1, 32);
      v128.store(at, r2, 64);
      v128.store(at, r3, 96);
    }
    for (let i = 0; i < blockSteps; i += 2) {
      const at = drawBlock + (<usize>i << 5);
      const out = values + (<usize>(done + i) << 5);
      const r0 = v128.load(at, 0);
      const r1 = v128.load(at, 32);
      const w0 = halfTurns(v128.load(at, 16));
      const w1 = halfTurns(v128.load(at, 48));
      // w = h + t with h = round(w) in {0, 1, 2}: cos πw = ±cos πt, sin πw = ±sin πt, negative for h = 1.
      const h0 = f32x4.nearest(w0);
      const h1 = f32x4.nearest(w1);
      const t0 = f32x4.sub(w0, h0);
      const t1 = f32x4.sub(w1, h1);
      // Only 1.0f (0x3f800000) of 0, 1, 2 has bit 23 set; << 8 moves it to the sign bit.
      const sign0 = i32x4.shl(h0, 8);
      const sign1 = i32x4.shl(h1, 8);
      // b·ξ rounds ξ = r·cos θ first, as the JS path's scale·ξ does: b·ξ is then b times the unit draw.
      const x0 = f32x4.mul(scales, f32x4.mul(r0, v128.xor(cosPi(t0), sign0)));
      const x1 = f32x4.mul(scales, f32x4.mul(r0, v128.xor(sinPi(t0), sign0)));
      const x2 = f32x4.mul(scales, f32x4.mul(r1, v128.xor(cosPi(t1), sign1)));
      const x3 = f32x4.mul(scales, f32x4.mul(r1, v128.xor(sinPi(t1), sign1)));
      // All arithmetic before the first store, so both steps' chains can overlap.
      v128.store(out, f32x4.add(v128.load(out, 0), x0), 0);
      v128.store(out, f32x4.add(v128.load(out, 16), x1), 16);
      v128.store(out, f32x4.add(v128.load(out, 32), x2), 32);
      v128.store(out, f32x4.add(v128.load(out, 48), x3), 48);
    }
  }
}

/** √(−2 ln u1) for u1 from the top 24 bits of each lane's draw. */
@inline
function radius(draw: v128): v128 {
  return f32x4.sqrt(f32x4.mul(logOfDraw(i32x4.shr_u(draw, 8)), lanes(MINUS_TWO)));
}

/** w = 2·u2 in [0, 2) from the top 24 bits of each lane's draw: θ = π·w. */
@inline
function halfTurns(draw: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(draw, 8)), lanes(HALF_TURNS_PER_UNIT));
}

/** sin πt for t in [−½, ½], by Estrin's scheme as in log-lanes.ts: shorter chains than Horner's. */
@inline
function sinPi(t: v128): v128 {
  const t2 = f32x4.mul(t, t);
  const t4 = f32x4.mul(t2, t2);
  const s01 = f32x4.add(f32x4.mul(lanes(S1), t2), lanes(S0));
  const s23 = f32x4.add(f32x4.mul(lanes(S3), t2), lanes(S2));
  return f32x4.mul(t, f32x4.add(s01, f32x4.mul(t4, f32x4.add(s23, f32x4.mul(lanes(S4), t4)))));
}

/** cos πt for t in [−½, ½]. */
@inline
function cosPi(t: v128): v128 {
  const t2 = f32x4.mul(t, t);
  const t4 = f32x4.mul(t2, t2);
  const c01 = f32x4.add(f32x4.mul(lanes(C1), t2), lanes(ONE));
  const c23 = f32x4.add(f32x4.mul(lanes(C3), t2), lanes(C2));
  const c45 = f32x4.add(f32x4.mul(lanes(C5), t2), lanes(C4));
  return f32x4.add(c01, f32x4.mul(t4, f32x4.add(c23, f32x4.mul(t4, c45))));
}
