// Coordinate-wise mean and sum: the `sgd` aggregator ḡ = (1/M) Σ_i g_i (METHODS.md, preset table), and the
// plain sum used by sum-based aggregators. Accumulation is in double, in input order i = 0..M−1, starting
// from g_0; the mean divides that double by M; each result is rounded once to float32. Both
// implementations follow exactly these operations, so they agree bit for bit.

import { ConfigError } from '../errors.js';

/** Coordinate-wise mean, accumulated block by block in a double buffer. */
export function coordinateMean(inputs: Float32Array[], out?: Float32Array): Float32Array {
  return accumulate(inputs, out, 'mean');
}

/** Coordinate-wise sum, accumulated block by block in a double buffer. */
export function coordinateSum(inputs: Float32Array[], out?: Float32Array): Float32Array {
  return accumulate(inputs, out, 'sum');
}

/** One coordinate at a time: the definition coordinateMean must match. */
export function coordinateMeanReference(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkInputs(inputs, 'mean');
  const result = checkedOut(out, inputs[0].length);
  for (let j = 0; j < result.length; j++) {
    let sum = inputs[0][j];
    for (let i = 1; i < m; i++) sum += inputs[i][j];
    result[j] = sum / m;
  }
  return result;
}

/** One coordinate at a time: the definition coordinateSum must match. */
export function coordinateSumReference(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkInputs(inputs, 'sum');
  const result = checkedOut(out, inputs[0].length);
  for (let j = 0; j < result.length; j++) {
    let sum = inputs[0][j];
    for (let i = 1; i < m; i++) sum += inputs[i][j];
    result[j] = sum;
  }
  return result;
}

/** Coordinates per block: the double accumulator stays in L1 while each input streams through it. */
const BLOCK = 2048;
const accumulator = new Float64Array(BLOCK);

function accumulate(inputs: Float32Array[], out: Float32Array | undefined, what: 'mean' | 'sum'): Float32Array {
  const m = checkInputs(inputs, what);
  const d = inputs[0].length;
  const result = checkedOut(out, d);
  const divide = what === 'mean';
  const acc = accumulator;
  for (let start = 0; start < d; start += BLOCK) {
    const n = Math.min(BLOCK, d - start);
    const first = inputs[0];
    for (let k = 0; k < n; k++) acc[k] = first[start + k];
    for (let i = 1; i < m; i++) {
      const input = inputs[i];
      for (let k = 0; k < n; k++) acc[k] += input[start + k];
    }
    if (divide) {
      for (let k = 0; k < n; k++) result[start + k] = acc[k] / m;
    } else {
      for (let k = 0; k < n; k++) result[start + k] = acc[k];
    }
  }
  return result;
}

/** Validates the inputs and returns M. */
function checkInputs(inputs: Float32Array[], what: string): number {
  const m = inputs.length;
  if (m < 1) throw new ConfigError(`coordinate ${what} needs at least one input vector, got none`);
  const d = inputs[0].length;
  for (let i = 1; i < m; i++) {
    if (inputs[i].length !== d) {
      throw new RangeError(`${what} input ${i} has ${inputs[i].length} elements, expected ${d}`);
    }
  }
  return m;
}

function checkedOut(out: Float32Array | undefined, d: number): Float32Array {
  if (out === undefined) return new Float32Array(d);
  if (out.length !== d) throw new RangeError(`output has ${out.length} elements, expected ${d}`);
  return out;
}
