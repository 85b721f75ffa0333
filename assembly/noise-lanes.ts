// The random source of the WebAssembly noise kernels: eight independent xoshiro128+ generators (Blackman &
// Vigna 2018) side by side in two i32x4 quadruples, lanes 0–3 and lanes 4–7, so one SIMD step yields
// eight 32-bit draws. The kernels use only the top 24 or 25 bits of a draw, as the authors advise for the
// + scrambler (its lowest bits are weak); + costs one add per draw where ** costs five more operations.
// A kernel draws a block into scratch memory and transforms it from there, so the generator's state stays in
// registers for the whole block and this step is written once for every distribution.

/** Bytes of the lanes' state: s0, s1, s2, s3 of lanes 0–3 (one i32x4 each), then the same for lanes 4–7. */
export const LANE_STATE_BYTES: i32 = 128;

/** Steps per block: 8 draws each, so a block is 2 KiB and stays in L1 until it is transformed. */
export const BLOCK_STEPS: i32 = 64;

/** One block of draws: step i's at drawBlock + 32·i, lanes 0–3 then lanes 4–7. */
export const drawBlock: usize = memory.data(BLOCK_STEPS * 32, 16);

@inline
function rotateLanes(x: v128, bits: i32): v128 {
  return v128.or(i32x4.shl(x, bits), i32x4.shr_u(x, 32 - bits));
}

/**
 * Writes `steps` steps of draws (at most BLOCK_STEPS) to drawBlock and advances the lanes' state at `state`
 * (LANE_STATE_BYTES) past them.
 */
export function drawLaneBlock(state: usize, steps: i32): void {
  let a0 = v128.load(state, 0);
  let a1 = v128.load(state, 16);
  let a2 = v128.load(state, 32);
  let a3 = v128.load(state, 48);
  let b0 = v128.load(state, 64);
  let b1 = v128.load(state, 80);
  let b2 = v128.load(state, 96);
  let b3 = v128.load(state, 112);
  for (let i = 0; i < steps; i++) {
    const at = drawBlock + (<usize>i << 5);
    v128.store(at, i32x4.add(a0, a3), 0);
    v128.store(at, i32x4.add(b0, b3), 16);

    const aShifted = i32x4.shl(a1, 9);
    a2 = v128.xor(a2, a0);
    a3 = v128.xor(a3, a1);
    a1 = v128.xor(a1, a2);
    a0 = v128.xor(a0, a3);
    a2 = v128.xor(a2, aShifted);
    a3 = rotateLanes(a3, 11);

    const bShifted = i32x4.shl(b1, 9);
    b2 = v128.xor(b2, b0);
    b3 = v128.xor(b3, b1);
    b1 = v128.xor(b1, b2);
    b0 = v128.xor(b0, b3);
    b2 = v128.xor(b2, bShifted);
    b3 = rotateLanes(b3, 11);
  }
  v128.store(state, a0, 0);
  v128.store(state, a1, 16);
  v128.store(state, a2, 32);
  v128.store(state, a3, 48);
  v128.store(state, b0, 64);
  v128.store(state, b1, 80);
  v128.store(state, b2, 96);
  v128.store(state, b3, 112);
}
