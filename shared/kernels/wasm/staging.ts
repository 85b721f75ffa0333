// How the WebAssembly kernels lay their M inputs out in linear memory. Copying everything first would
// stream M·d values through DRAM twice (copy, then kernel); instead a chunk of each input is copied at a
// time, M chunks together about STAGING_BYTES, still in L2 when the kernel reads them, and linear memory
// stays small whatever d is.

/** Bytes of M input chunks together. */
export const STAGING_BYTES = 256 * 1024;

/** Elements (4-byte words or floats) of one input per chunk: a multiple of 4, so whole SIMD vectors. */
export function chunkElements(m: number): number {
  return Math.max(64, Math.floor(STAGING_BYTES / 4 / m) & ~3);
}

/**
 * Bytes from one input's chunk to the next: the chunk rounded up to an odd number of 64-byte cache lines.
 * The kernels read all M inputs at the same offset together; with a stride of a multiple of 4 KiB (M = 16:
 * 4096 floats) those M reads fall in one L1 set and alias in the store buffer, which made M = 16 twice as
 * slow as M = 15. An odd number of lines puts them in M different sets.
 */
export function stagingStrideBytes(elements: number): number {
  const lines = Math.ceil((elements * 4) / 64);
  return (lines | 1) * 64;
}
