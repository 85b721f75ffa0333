// Laplace noise ξ with variance 1 (Laplace(0, 1/√2)), added as b·ξ (Chen et al. 2020, Alg. 3), eight
// coordinates per SIMD step by inversion: 24 bits of a draw give v in (0, 1] and |ξ| = −ln(v)/√2, an
// exponential; the draw's top bit gives the sign. The JS path calls Math.log once per coordinate.

import { lanes } from './lane-constants';
import { logOfDraw } from './log-lanes';
import { BLOCK_STEPS, drawBlock, drawLaneBlock } from './noise-lanes';

const MINUS_INVERSE_SQRT2 = memory.data<f32>([-0.7071067811865476]);
const SIGN_BIT = memory.data<i32>([0x80000000]);

/**
 * values[8i + k] += scale · ξ for steps i < `steps` (a multiple of 4) and lanes k (0..7), from lane k's draw
 * x: |ξ| = −ln((a + 1)·2^-24)/√2 with a = bits 7..30 of x, negative when bit 31 is set. The lanes' state at
 * `state` advances `steps` draws.
 */
export function addLaplaceNoise(values: usize, steps: i32, scale: f32, state: usize): void {
  const scales = f32x4.splat(scale);
  for (let done = 0; done < steps; done += BLOCK_STEPS) {
    const blockSteps = min(BLOCK_STEPS, steps - done);
    drawLaneBlock(state, blockSteps);
    // Two steps at a time, all arithmetic before the first store, so four logarithms' chains overlap.
    for (let i = 0; i < blockSteps; i += 2) {
      const at = drawBlock + (<usize>i << 5);
      const out = values + (<usize>(done + i) << 5);
      const x0 = f32x4.mul(scales, laplace(v128.load(at, 0)));
      const x1 = f32x4.mul(scales, laplace(v128.load(at, 16)));
      const x2 = f32x4.mul(scales, laplace(v128.load(at, 32)));
      const x3 = f32x4.mul(scales, laplace(v128.load(at, 48)));
      v128.store(out, f32x4.add(v128.load(out, 0), x0), 0);
      v128.store(out, f32x4.add(v128.load(out, 16), x1), 16);
      v128.store(out, f32x4.add(v128.load(out, 32), x2), 32);
      v128.store(out, f32x4.add(v128.load(out, 48), x3), 48);
    }
  }
}

@inline
function laplace(draw: v128): v128 {
  const magnitude = f32x4.mul(logOfDraw(i32x4.shr_u(i32x4.shl(draw, 1), 8)), lanes(MINUS_INVERSE_SQRT2));
  return v128.xor(magnitude, v128.and(draw, lanes(SIGN_BIT)));
}
