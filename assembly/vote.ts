// Majority vote (Bernstein et al. 2018; Chen et al. Alg. 1): v = sign(Σ_i sign g_i) over M packed sign
// vectors (bit 1 = −1), 128 coordinates per SIMD step, for any M up to 127. Same rule, bit for bit, as
// shared/kernels/vote.ts: a lane is negative when more than ⌊M/2⌋ inputs are; with even M, exactly M/2 is
// a tie and takes bit j & 31 of the seeded coin word j >>> 5. M ≤ 64 runs a faster adder tree generated
// for that M (shared/kernels/wasm/vote-counter-source.ts); this generic counter covers the rest.

import { tieCoinPrefix, tieCoinWords } from './tie-coin';

/**
 * Votes over `vectors` groups of four words. Input i's words start at inputs + i · strideBytes; the
 * result goes to out. firstWord is the global index of the first word, for the tie coins.
 *
 * The per-lane counts live in bit-planes p0..p6 (so M ≤ 127), filled with carry-save adders
 * (Harley–Seal: eight inputs become one carry of weight 8), then compared with ⌊M/2⌋ plane by plane.
 */
export function majorityVote(
  inputs: usize,
  strideBytes: usize,
  m: i32,
  vectors: i32,
  out: usize,
  firstWord: i32,
  seed: i32,
  round: i32,
): void {
  const half = m >>> 1;
  // All-ones lanes where bit b of ⌊M/2⌋ is set: the comparison then needs no branches.
  const t0 = i32x4.splat(-(half & 1));
  const t1 = i32x4.splat(-((half >>> 1) & 1));
  const t2 = i32x4.splat(-((half >>> 2) & 1));
  const t3 = i32x4.splat(-((half >>> 3) & 1));
  const t4 = i32x4.splat(-((half >>> 4) & 1));
  const t5 = i32x4.splat(-((half >>> 5) & 1));
  const t6 = i32x4.splat(-((half >>> 6) & 1));
  const canTie = (m & 1) == 0;
  const coinPrefix = tieCoinPrefix(seed, round);
  const zero = i32x4.splat(0);

  for (let v = 0; v < vectors; v++) {
    let p0 = zero, p1 = zero, p2 = zero, p3 = zero, p4 = zero, p5 = zero, p6 = zero;
    let u = zero, c = zero, twosA = zero, twosB = zero, foursA = zero, foursB = zero;
    let at = inputs + (<usize>v << 4);
    let i = 0;
    for (; i + 8 <= m; i += 8) {
      const x0 = v128.load(at);
      const x1 = v128.load(at + strideBytes);
      const x2 = v128.load(at + 2 * strideBytes);
      const x3 = v128.load(at + 3 * strideBytes);
      const x4 = v128.load(at + 4 * strideBytes);
      const x5 = v128.load(at + 5 * strideBytes);
      const x6 = v128.load(at + 6 * strideBytes);
      const x7 = v128.load(at + 7 * strideBytes);
      at += 8 * strideBytes;
      u = v128.xor(p0, x0); twosA = v128.or(v128.and(p0, x0), v128.and(u, x1)); p0 = v128.xor(u, x1);
      u = v128.xor(p0, x2); twosB = v128.or(v128.and(p0, x2), v128.and(u, x3)); p0 = v128.xor(u, x3);
      u = v128.xor(p1, twosA); foursA = v128.or(v128.and(p1, twosA), v128.and(u, twosB)); p1 = v128.xor(u, twosB);
      u = v128.xor(p0, x4); twosA = v128.or(v128.and(p0, x4), v128.and(u, x5)); p0 = v128.xor(u, x5);
      u = v128.xor(p0, x6); twosB = v128.or(v128.and(p0, x6), v128.and(u, x7)); p0 = v128.xor(u, x7);
      u = v128.xor(p1, twosA); foursB = v128.or(v128.and(p1, twosA), v128.and(u, twosB)); p1 = v128.xor(u, twosB);
      u = v128.xor(p2, foursA); c = v128.or(v128.and(p2, foursA), v128.and(u, foursB)); p2 = v128.xor(u, foursB);
      // c has weight 8: ripple it up.
      u = v128.and(p3, c); p3 = v128.xor(p3, c);
      c = v128.and(p4, u); p4 = v128.xor(p4, u);
      u = v128.and(p5, c); p5 = v128.xor(p5, c);
      p6 = v128.xor(p6, u);
    }
    if (i + 4 <= m) {
      const x0 = v128.load(at);
      const x1 = v128.load(at + strideBytes);
      const x2 = v128.load(at + 2 * strideBytes);
      const x3 = v128.load(at + 3 * strideBytes);
      at += 4 * strideBytes;
      u = v128.xor(p0, x0); twosA = v128.or(v128.and(p0, x0), v128.and(u, x1)); p0 = v128.xor(u, x1);
      u = v128.xor(p0, x2); twosB = v128.or(v128.and(p0, x2), v128.and(u, x3)); p0 = v128.xor(u, x3);
      u = v128.xor(p1, twosA); c = v128.or(v128.and(p1, twosA), v128.and(u, twosB)); p1 = v128.xor(u, twosB);
      // c has weight 4.
      u = v128.and(p2, c); p2 = v128.xor(p2, c);
      c = v128.and(p3, u); p3 = v128.xor(p3, u);
      u = v128.and(p4, c); p4 = v128.xor(p4, c);
      c = v128.and(p5, u); p5 = v128.xor(p5, u);
      p6 = v128.xor(p6, c);
      i += 4;
    }
    if (i + 2 <= m) {
      const x0 = v128.load(at);
      const x1 = v128.load(at + strideBytes);
      at += 2 * strideBytes;
      u = v128.xor(p0, x0); c = v128.or(v128.and(p0, x0), v128.and(u, x1)); p0 = v128.xor(u, x1);
      // c has weight 2.
      u = v128.and(p1, c); p1 = v128.xor(p1, c);
      c = v128.and(p2, u); p2 = v128.xor(p2, u);
      u = v128.and(p3, c); p3 = v128.xor(p3, c);
      c = v128.and(p4, u); p4 = v128.xor(p4, u);
      u = v128.and(p5, c); p5 = v128.xor(p5, c);
      p6 = v128.xor(p6, u);
      i += 2;
    }
    if (i < m) {
      c = v128.load(at);
      u = v128.and(p0, c); p0 = v128.xor(p0, c);
      c = v128.and(p1, u); p1 = v128.xor(p1, u);
      u = v128.and(p2, c); p2 = v128.xor(p2, c);
      c = v128.and(p3, u); p3 = v128.xor(p3, u);
      u = v128.and(p4, c); p4 = v128.xor(p4, c);
      c = v128.and(p5, u); p5 = v128.xor(p5, u);
      p6 = v128.xor(p6, c);
    }

    // Lanes whose count is > ⌊M/2⌋ (negative majority) and == ⌊M/2⌋, from the top plane down.
    let greater = zero;
    let equal = i32x4.splat(-1);
    greater = v128.or(greater, v128.andnot(v128.and(equal, p6), t6)); equal = v128.andnot(equal, v128.xor(p6, t6));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p5), t5)); equal = v128.andnot(equal, v128.xor(p5, t5));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p4), t4)); equal = v128.andnot(equal, v128.xor(p4, t4));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p3), t3)); equal = v128.andnot(equal, v128.xor(p3, t3));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p2), t2)); equal = v128.andnot(equal, v128.xor(p2, t2));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p1), t1)); equal = v128.andnot(equal, v128.xor(p1, t1));
    greater = v128.or(greater, v128.andnot(v128.and(equal, p0), t0)); equal = v128.andnot(equal, v128.xor(p0, t0));

    // With odd M, count == ⌊M/2⌋ is a positive majority; with even M it is a tie.
    if (canTie && v128.any_true(equal)) {
      greater = v128.or(greater, v128.and(equal, tieCoinWords(coinPrefix, firstWord + (v << 2))));
    }
    v128.store(out + (<usize>v << 4), greater);
  }
}
