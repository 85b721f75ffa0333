// Uniform noise ξ on (−√3, √3), variance 1, added as b·ξ (Chen et al. 2020, Alg. 3), eight coordinates per
// SIMD step. The top 24 bits a of a draw give ξ = √3·(2a + 1 − 2^24)·2^-24: the midpoints of 2^24 equal
// cells, so the law is symmetric about 0 and never reaches ±√3.

import { lanes } from './lane-constants';
import { BLOCK_STEPS, drawBlock, drawLaneBlock } from './noise-lanes';

const ONE = memory.data<i32>([1]);
const CELLS = memory.data<i32>([1 << 24]);
/** √3 · 2^-24. */
const SQRT3_PER_CELL = memory.data<f32>([1.0323827311807139e-7]);

/**
 * values[8i + k] += scale · ξ for steps i < `steps` (a multiple of 4) and lanes k (0..7), ξ from the top 24
 * bits of lane k's draw. The lanes' state at `state` advances `steps` draws.
 */
export function addUniformNoise(values: usize, steps: i32, scale: f32, state: usize): void {
  const scales = f32x4.splat(scale);
  for (let done = 0; done < steps; done += BLOCK_STEPS) {
    const blockSteps = min(BLOCK_STEPS, steps - done);
    drawLaneBlock(state, blockSteps);
    for (let i = 0; i < blockSteps; i++) {
      const at = drawBlock + (<usize>i << 5);
      const out = values + (<usize>(done + i) << 5);
      v128.store(out, f32x4.add(v128.load(out, 0), f32x4.mul(scales, uniform(v128.load(at, 0)))), 0);
      v128.store(out, f32x4.add(v128.load(out, 16), f32x4.mul(scales, uniform(v128.load(at, 16)))), 16);
    }
  }
}

@inline
function uniform(draw: v128): v128 {
  // 2a + 1 = (x >>> 7) | 1; minus 2^24 it is odd and below 2^24 in magnitude, so exact in f32.
  const centred = i32x4.sub(v128.or(i32x4.shr_u(draw, 7), lanes(ONE)), lanes(CELLS));
  return f32x4.mul(f32x4.convert_i32x4_s(centred), lanes(SQRT3_PER_CELL));
}
