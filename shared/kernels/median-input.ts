// What every coordinate-median kernel accepts: 1 to MAX_MEDIAN_WORKERS float32 vectors of one length. The
// checks live here so the reference, JS and WebAssembly kernels refuse exactly the same inputs.

import { ConfigError } from '../errors.js';

/** Largest M the sorting networks are built for. */
export const MAX_MEDIAN_WORKERS = 64;

/** Validates the inputs and returns M. */
export function checkMedianInputs(inputs: Float32Array[]): number {
  const m = inputs.length;
  if (m < 1 || m > MAX_MEDIAN_WORKERS) {
    throw new ConfigError(
      `coordinate median got ${m} vectors; it supports 1 to ${MAX_MEDIAN_WORKERS} workers per round`,
    );
  }
  const d = inputs[0].length;
  for (let i = 1; i < m; i++) {
    if (inputs[i].length !== d) {
      throw new RangeError(`median input ${i} has ${inputs[i].length} elements, expected ${d}`);
    }
  }
  return m;
}

/** The caller's output buffer when it has the right length, else a new one. */
export function checkedMedianOutput(out: Float32Array | undefined, d: number): Float32Array {
  if (out === undefined) return new Float32Array(d);
  if (out.length !== d) throw new RangeError(`median output has ${out.length} elements, expected ${d}`);
  return out;
}
