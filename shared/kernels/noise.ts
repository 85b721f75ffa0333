// Worker noise b·ξ (Chen et al. 2020, Alg. 3 and 4) from one of two generators. Where WebAssembly SIMD runs,
// eight xoshiro128+ lanes seeded from the caller's rng, with Box–Muller for the Gaussian (wasm/noise-wasm.ts:
// 25M coordinates in ~50 ms instead of ~240–410); elsewhere the JS ziggurat of shared/random/noise.ts.
import type { NoiseDistribution } from '../random/noise-distribution.js';
import { addNoiseJs } from '../random/noise.js';
import type { Xoshiro128 } from '../random/xoshiro128.js';
import { addNoiseWasm, seedNoiseLanes } from './wasm/noise-wasm.js';
import { wasmKernelsAvailable } from './wasm/wasm-module.js';

/**
 * Which generator draws the noise: 'wasm' (throws a ConfigError where WebAssembly SIMD cannot run), 'js', or
 * 'fast': 'wasm' where this host runs it, else 'js'. Both are deterministic for a given rng state, but they
 * are different streams, and they advance rng differently (wasm: 32 draws per call for its lanes' seeds; js:
 * one or more per coordinate). So a run's noise depends on the generator its workers resolved; since the
 * noise stays on the worker and only its effect is sent, replicas still agree.
 */
export type NoiseGenerator = 'fast' | 'wasm' | 'js';

/** vector[j] += scale · ξ_j, with ξ_j iid of the given distribution, mean 0 and variance 1. */
export function addNoise(
  vector: Float32Array,
  distribution: NoiseDistribution,
  scale: number,
  rng: Xoshiro128,
  generator: NoiseGenerator = 'fast',
): void {
  if (vector.length === 0) return;
  if (generator === 'wasm' || (generator === 'fast' && wasmKernelsAvailable())) {
    addNoiseWasm(vector, distribution, scale, seedNoiseLanes(rng));
    return;
  }
  addNoiseJs(vector, distribution, scale, rng);
}
