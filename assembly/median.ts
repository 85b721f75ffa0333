// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2), four coordinates per SIMD step, for any M
// up to 64: the pruned sorting network run block-wise through memory. Same result, bit for bit up to NaN
// payloads, as shared/kernels/median.ts: the order of Float32Array.prototype.sort (−0 < +0, every NaN
// above +∞), and with even M the mean of the middle pair computed in double and rounded once to float32.
// M ≤ 32 runs the network unrolled into registers instead (shared/kernels/wasm/median-network-source.ts).

import { bitsFromKeys, pairMean, sortKeys } from './median-keys';

/**
 * Coordinates per block: M wires of this many keys stay in L1 while the comparators run (15 wires of
 * 256 keys = 15 KiB); fewer for large M so the block still fits.
 */
const MAX_BLOCK: i32 = 256;

/** Bytes of scratch the caller reserves for the wires: M · MAX_BLOCK keys. */
export function medianScratchBytes(m: i32): i32 {
  return m * MAX_BLOCK * 4;
}

/**
 * Median of each coordinate over M inputs; input i's `count` floats start at inputs + i · strideBytes.
 * `comparators` holds `steps` pairs (low wire, high wire) of a sorting network pruned to the middle
 * wire(s) lowWire and highWire (equal for odd M). `scratch` holds the wires (medianScratchBytes(m)).
 */
export function coordinateMedian(
  inputs: usize,
  strideBytes: usize,
  m: i32,
  count: i32,
  comparators: usize,
  steps: i32,
  lowWire: i32,
  highWire: i32,
  scratch: usize,
  out: usize,
): void {
  // A power of two, at least 16 keys, with M · block keys ≤ 4096 (16 KiB) when M allows it.
  let block = MAX_BLOCK;
  while (block > 16 && m * block > 4096) block >>= 1;
  const wireBytes = <usize>block << 2;

  for (let start = 0; start < count; start += block) {
    const n = min(block, count - start);
    // Whole vectors: lanes past `count` hold stale keys, whose results are never copied out.
    const vectorBytes = <usize>((n + 3) >> 2) << 4;
    const offset = <usize>start << 2;
    for (let i = 0; i < m; i++) {
      loadKeys(inputs + <usize>i * strideBytes + offset, scratch + <usize>i * wireBytes, vectorBytes);
    }
    for (let s = 0; s < steps; s++) {
      const pair = comparators + (<usize>s << 3);
      const low = scratch + <usize>load<i32>(pair) * wireBytes;
      const high = scratch + <usize>load<i32>(pair, 4) * wireBytes;
      compareExchange(low, high, vectorBytes);
    }
    const lo = scratch + <usize>lowWire * wireBytes;
    if (lowWire == highWire) {
      storeMiddle(lo, out + offset, vectorBytes);
    } else {
      storeMiddlePairMean(lo, scratch + <usize>highWire * wireBytes, out + offset, vectorBytes);
    }
  }
}

/** Keys of one input's block, written to its wire. */
@inline
function loadKeys(source: usize, wire: usize, bytes: usize): void {
  for (let k: usize = 0; k < bytes; k += 16) v128.store(wire + k, sortKeys(v128.load(source + k)));
}

/** One comparator across the block: the smaller key ends on the low wire. Two vectors per iteration. */
@inline
function compareExchange(low: usize, high: usize, bytes: usize): void {
  let k: usize = 0;
  for (; k + 32 <= bytes; k += 32) {
    const x0 = v128.load(low + k);
    const y0 = v128.load(high + k);
    const x1 = v128.load(low + k, 16);
    const y1 = v128.load(high + k, 16);
    v128.store(low + k, i32x4.min_s(x0, y0));
    v128.store(high + k, i32x4.max_s(x0, y0));
    v128.store(low + k, i32x4.min_s(x1, y1), 16);
    v128.store(high + k, i32x4.max_s(x1, y1), 16);
  }
  if (k < bytes) {
    const x = v128.load(low + k);
    const y = v128.load(high + k);
    v128.store(low + k, i32x4.min_s(x, y));
    v128.store(high + k, i32x4.max_s(x, y));
  }
}

@inline
function storeMiddle(keys: usize, out: usize, bytes: usize): void {
  for (let k: usize = 0; k < bytes; k += 16) v128.store(out + k, bitsFromKeys(v128.load(keys + k)));
}

@inline
function storeMiddlePairMean(lowKeys: usize, highKeys: usize, out: usize, bytes: usize): void {
  for (let k: usize = 0; k < bytes; k += 16) {
    v128.store(out + k, pairMean(bitsFromKeys(v128.load(lowKeys + k)), bitsFromKeys(v128.load(highKeys + k))));
  }
}
