// 1-bit sign packing (signSGD's uplink, Bernstein et al. 2018, Alg. 1) in WebAssembly SIMD
// (assembly/pack-signs.ts). Same words, padding included, as packSigns in shared/codec/sign-bits.ts, which
// stays the definition and the fallback; with `zeroCoins`, the same words as packSignsCoiningZeros in
// shared/codec/zero-coins.ts.

import { signWordCount } from '../../codec/sign-bits.js';
import type { ZeroCoins } from '../../codec/zero-coins.js';
import { stagingStrideBytes, STAGING_BYTES } from './staging.js';
import { requireWasmKernels } from './wasm-module.js';

/** Floats per chunk copied into linear memory: whole words, STAGING_BYTES in all. */
const CHUNK_FLOATS = STAGING_BYTES / 4;

/**
 * Packs the IEEE sign bit of each value, 32 per word; padding bits past d are 0. With `zeroCoins`, an exact ±0
 * takes its seeded coin instead.
 */
export function packSignsWasm(values: Float32Array, out?: Uint32Array, zeroCoins?: ZeroCoins): Uint32Array {
  const d = values.length;
  const wordCount = signWordCount(d);
  const words = out ?? new Uint32Array(wordCount);
  if (words.length !== wordCount) {
    throw new RangeError(`sign words buffer has ${words.length} words, expected ${wordCount}`);
  }
  const kernels = requireWasmKernels();
  const valuesAt = kernels.heapBase;
  const outAt = valuesAt + stagingStrideBytes(CHUNK_FLOATS);
  const memory = kernels.reserve(outAt - valuesAt + CHUNK_FLOATS / 8);
  const heapFloats = new Float32Array(memory);
  const heapWords = new Uint32Array(memory);
  const outIndex = outAt >>> 2;

  for (let start = 0; start < d; start += CHUNK_FLOATS) {
    const n = Math.min(CHUNK_FLOATS, d - start);
    heapFloats.set(values.subarray(start, start + n), valuesAt >>> 2);
    const chunkWords = Math.ceil(n / 32);
    if (zeroCoins) kernels.packSignsCoiningZeros(valuesAt, chunkWords, outAt, zeroCoins.seed, zeroCoins.round, start >>> 5);
    else kernels.packSigns(valuesAt, chunkWords, outAt);
    words.set(heapWords.subarray(outIndex, outIndex + chunkWords), start >>> 5);
  }
  // The last word's bits past d came from stale floats in the staging area (or their coins).
  const tailBits = d & 31;
  if (tailBits !== 0) words[wordCount - 1] &= (1 << tailBits) - 1;
  return words;
}
