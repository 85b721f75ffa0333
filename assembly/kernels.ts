// Entry point of the WebAssembly SIMD kernels (built by `npm run build:wasm` into dist/wasm/kernels.wasm,
// loaded by shared/kernels/wasm/wasm-module.ts). Every function works on linear memory the caller fills.

export { majorityVote } from './vote';
export { coordinateMedian, medianScratchBytes } from './median';
export { packSigns, packSignsCoiningZeros } from './pack-signs';
export { applyCountPlanes, applyFloats, applySigns, applySignsSkippingTies, scaleFloats } from './apply-update';
export { addGaussianNoise } from './gaussian-noise';
export { addLaplaceNoise } from './laplace-noise';
export { addUniformNoise } from './uniform-noise';

/** First byte past the static data: where the caller may start laying out its buffers. */
export function heapBase(): usize {
  return __heap_base;
}
