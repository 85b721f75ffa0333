// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2): out_j = median_i g_i[j]; with even M the
// mean of the two middle values, computed as (lo + hi) / 2 in double and rounded once to float32.
//
// Order: that of Float32Array.prototype.sort, a total order on values: −∞ < … < −0 < +0 < … < +∞ < NaN.
// NaN (of either sign) sorts above +∞, so NaNs reach the median only when at least half the inputs are NaN;
// then the median is NaN (which NaN bit pattern is unspecified). Because −0 < +0 here, the sorted column is
// unique up to NaN payloads, so every implementation gives bit-identical results: this file's reference
// (the definition), median-js.ts and wasm/median-wasm.ts. coordinateMedianFast is the fastest of those
// this host can run.

import { coordinateMedianJs } from './median-js.js';
import { checkMedianInputs, checkedMedianOutput } from './median-input.js';
import { coordinateMedianWasm } from './wasm/median-wasm.js';
import { wasmKernelsAvailable } from './wasm/wasm-module.js';

export { MAX_MEDIAN_WORKERS } from './median-input.js';
export { coordinateMedianJs } from './median-js.js';
export { coordinateMedianWasm } from './wasm/median-wasm.js';

/** Sorts each column with Float32Array.prototype.sort: the definition every fast median must match. */
export function coordinateMedianReference(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkMedianInputs(inputs);
  const d = inputs[0].length;
  const result = checkedMedianOutput(out, d);
  const column = new Float32Array(m);
  const lowIndex = (m - 1) >>> 1;
  const highIndex = m >>> 1;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < m; i++) column[i] = inputs[i][j];
    column.sort();
    result[j] = lowIndex === highIndex ? column[lowIndex] : (column[lowIndex] + column[highIndex]) / 2;
  }
  return result;
}

/** WebAssembly SIMD when this host runs it, else the JS network. */
export function coordinateMedianFast(inputs: Float32Array[], out?: Float32Array): Float32Array {
  return wasmKernelsAvailable() ? coordinateMedianWasm(inputs, out) : coordinateMedianJs(inputs, out);
}
