// Worker noise b·ξ (Chen et al. 2020, Alg. 3 and 4) in WebAssembly SIMD: eight xoshiro128+ lanes
// (assembly/noise-lanes.ts) feeding Box–Muller for the Gaussian, inversion with a vectorised logarithm for
// Laplace, and a scaled draw for the uniform (assembly/*-noise.ts). About 5× faster than the JS path of
// the JS generator (shared/random/noise.ts), which stays the fallback; the two draw different streams from the same rng.

import type { NoiseDistribution } from '../../random/noise-distribution.js';
import type { Xoshiro128 } from '../../random/xoshiro128.js';
import { STAGING_BYTES } from './staging.js';
import { requireWasmKernels, type WasmKernels } from './wasm-module.js';

/** Independent generators the kernels run side by side. */
export const NOISE_LANES = 8;

/** Words of the lanes' state as callers hold it: lane L's s0, s1, s2, s3 at 4L .. 4L + 3. */
export const NOISE_LANE_WORDS = 4 * NOISE_LANES;

/** Floats per chunk copied into linear memory: a multiple of 32, so every chunk but the last is whole steps. */
const CHUNK_FLOATS = STAGING_BYTES / 4;

/** Bytes of the lanes' state in linear memory (assembly/noise-lanes.ts: s0 of lanes 0–3, s1 of lanes 0–3, …). */
const LANE_STATE_BYTES = 4 * NOISE_LANE_WORDS;

/**
 * Lane states for one call: the next NOISE_LANE_WORDS draws of `rng`, lane L taking draws 4L .. 4L + 3. So
 * `rng` advances by exactly that many draws per call, whatever the vector's length. A lane of four zero words
 * (probability 2^-128) would never leave zero; it gets s0 = 1.
 */
export function seedNoiseLanes(rng: Xoshiro128): Uint32Array {
  const lanes = new Uint32Array(NOISE_LANE_WORDS);
  for (let i = 0; i < NOISE_LANE_WORDS; i++) lanes[i] = rng.nextUint32();
  for (let lane = 0; lane < NOISE_LANES; lane++) {
    const at = 4 * lane;
    if ((lanes[at] | lanes[at + 1] | lanes[at + 2] | lanes[at + 3]) === 0) lanes[at] = 1;
  }
  return lanes;
}

/**
 * vector[j] += scale · ξ_j, with ξ iid of `distribution` (mean 0, variance 1), drawn from the lanes' state
 * `lanes` (NOISE_LANE_WORDS words, see seedNoiseLanes), which is advanced in place. Coordinates 8i .. 8i + 7
 * take step i of the eight lanes (assembly/*-noise.ts say how), so a vector's noise is a prefix of a longer
 * one's from the same state; a call draws whole blocks of four steps (32 coordinates) and drops the rest.
 */
export function addNoiseWasm(
  vector: Float32Array,
  distribution: NoiseDistribution,
  scale: number,
  lanes: Uint32Array,
): void {
  if (lanes.length !== NOISE_LANE_WORDS) {
    throw new RangeError(`noise lane state has ${lanes.length} words, expected ${NOISE_LANE_WORDS}`);
  }
  const kernels = requireWasmKernels();
  const kernel = kernelFor(kernels, distribution);
  const stateAt = kernels.heapBase;
  const valuesAt = stateAt + LANE_STATE_BYTES;
  const memory = kernels.reserve(LANE_STATE_BYTES + CHUNK_FLOATS * 4);
  const heapFloats = new Float32Array(memory);
  const heapWords = new Uint32Array(memory);
  const stateIndex = stateAt >>> 2;
  const valuesIndex = valuesAt >>> 2;

  for (let lane = 0; lane < NOISE_LANES; lane++) {
    for (let word = 0; word < 4; word++) heapWords[stateIndex + laneWordOffset(lane, word)] = lanes[4 * lane + word];
  }
  const d = vector.length;
  for (let start = 0; start < d; start += CHUNK_FLOATS) {
    const n = Math.min(CHUNK_FLOATS, d - start);
    heapFloats.set(vector.subarray(start, start + n), valuesIndex);
    // Whole blocks of four steps; the coordinates past n are stale floats that are never copied back.
    kernel(valuesAt, Math.ceil(n / 32) * 4, scale, stateAt);
    vector.set(heapFloats.subarray(valuesIndex, valuesIndex + n), start);
  }
  for (let lane = 0; lane < NOISE_LANES; lane++) {
    for (let word = 0; word < 4; word++) lanes[4 * lane + word] = heapWords[stateIndex + laneWordOffset(lane, word)];
  }
}

/** Where word `word` of lane `lane` sits in the kernels' state, in words: lanes 0–3, then 4–7, each word an i32x4. */
function laneWordOffset(lane: number, word: number): number {
  return (lane >>> 2) * 16 + word * 4 + (lane & 3);
}

function kernelFor(kernels: WasmKernels, distribution: NoiseDistribution): WasmKernels['addGaussianNoise'] {
  switch (distribution) {
    case 'gaussian':
      return kernels.addGaussianNoise;
    case 'laplace':
      return kernels.addLaplaceNoise;
    case 'uniform':
      return kernels.addUniformNoise;
    default: {
      const unknown: never = distribution;
      throw new Error(`unknown noise distribution ${String(unknown)}`);
    }
  }
}
