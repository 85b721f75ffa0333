// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2) in WebAssembly SIMD (assembly/median.ts):
// the pruned sorting network of ../median-network.ts on four coordinates per step, as i32 min/max on
// sortable keys. Bit-identical to coordinateMedianReference (../median.ts) up to NaN payloads.

import { checkMedianInputs, checkedMedianOutput } from '../median-input.js';
import { medianNetwork } from '../median-network.js';
import { chunkElements, stagingStrideBytes } from './staging.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * The inputs are copied into linear memory a chunk of coordinates at a time (staging.ts), so they are still
 * in cache when the kernel reads them; the memory is reused across calls.
 */
export function coordinateMedianWasm(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkMedianInputs(inputs);
  const d = inputs[0].length;
  const result = checkedMedianOutput(out, d);
  const kernels = requireWasmKernels();
  const { low, high, lowWire, highWire } = medianNetwork(m);
  const steps = low.length;

  const chunk = chunkElements(m);
  const strideBytes = stagingStrideBytes(chunk);
  const comparatorsAt = kernels.heapBase;
  const inputsAt = comparatorsAt + align16(steps * 8);
  const scratchAt = inputsAt + m * strideBytes;
  const outAt = scratchAt + kernels.medianScratchBytes(m);
  const memory = kernels.reserve(outAt + strideBytes - kernels.heapBase);
  const heap = new Float32Array(memory);
  const comparators = new Int32Array(memory, comparatorsAt, 2 * steps);
  for (let s = 0; s < steps; s++) {
    comparators[2 * s] = low[s];
    comparators[2 * s + 1] = high[s];
  }
  const outIndex = outAt >>> 2;

  for (let start = 0; start < d; start += chunk) {
    const n = Math.min(chunk, d - start);
    for (let i = 0; i < m; i++) heap.set(inputs[i].subarray(start, start + n), (inputsAt + i * strideBytes) >>> 2);
    // Small M has its network unrolled into registers; larger M runs it block-wise through memory. Lanes
    // past n in the last vector hold stale values; their results are never copied out.
    if (kernels.coordinateMedianUnrolled(inputsAt, strideBytes, m, (n + 3) >>> 2, outAt) === 0) {
      kernels.coordinateMedian(inputsAt, strideBytes, m, n, comparatorsAt, steps, lowWire, highWire, scratchAt, outAt);
    }
    result.set(heap.subarray(outIndex, outIndex + n), start);
  }
  return result;
}

function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}
