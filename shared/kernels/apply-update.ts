// The replica step x ← x − γ·u, shared by the server and every worker. Both sides apply the same bytes, so
// their float32 parameters stay bit-identical (checked by hash every few rounds) — whichever implementation
// each runs: applyUpdateReference here is the definition (each coordinate in double, rounded once to
// float32), and the WebAssembly (wasm/apply-update-wasm.ts) and JS (apply-update-js.ts) fast
// paths match it bit for bit.
import { signWordCount } from '../codec/sign-bits.js';
import { applyUpdateWasm } from './wasm/apply-update-wasm.js';
import { wasmKernelsAvailable } from './wasm/wasm-module.js';
import { applyUpdateJs } from './apply-update-js.js';
import { uplinkOnlyFormatError, weightDecayFactor, type UpdateShape } from '../codec/update-shape.js';
import { asFloat32, assertNever, wordRegions } from '../codec/wire-format.js';

export type { UpdateShape } from '../codec/update-shape.js';
export { applyUpdateJs } from './apply-update-js.js';
export { applyUpdateWasm } from './wasm/apply-update-wasm.js';

/** WebAssembly SIMD where this host runs it, else the JS fast path. `payload` must be word-aligned. */
export function applyUpdate(parameters: Float32Array, payload: Uint8Array, shape: UpdateShape, stepSize: number): void {
  if (wasmKernelsAvailable()) applyUpdateWasm(parameters, payload, shape, stepSize);
  else applyUpdateJs(parameters, payload, shape, stepSize);
}

/** The definition, one coordinate at a time. `payload` must be word-aligned (see allocatePayload). */
export function applyUpdateReference(parameters: Float32Array, payload: Uint8Array, shape: UpdateShape, stepSize: number): void {
  const d = parameters.length;
  const { format, workers, contributors, weightDecay } = shape;
  if (weightDecay !== 0) {
    const factor = weightDecayFactor(stepSize, weightDecay);
    for (let j = 0; j < d; j++) parameters[j] *= factor;
  }
  switch (format) {
    case 'f32': {
      const update = asFloat32(payload, d);
      for (let j = 0; j < d; j++) parameters[j] -= stepSize * update[j];
      return;
    }
    case 'sign-bits': {
      const [signs] = wordRegions(payload, format, d, workers);
      forEachCoordinate(d, (w, k, j) => {
        parameters[j] -= stepSize * (1 - 2 * ((signs[w] >>> k) & 1));
      });
      return;
    }
    case 'sign-bits+ties': {
      const [signs, ties] = wordRegions(payload, format, d, workers);
      forEachCoordinate(d, (w, k, j) => {
        if ((ties[w] >>> k) & 1) return;
        parameters[j] -= stepSize * (1 - 2 * ((signs[w] >>> k) & 1));
      });
      return;
    }
    case 'count-planes': {
      // x ← x − (γ/M)·S with S = 2c − m (Safaryan & Richtárik, Alg. 3).
      const planes = wordRegions(payload, format, d, workers);
      const scale = stepSize / workers;
      forEachCoordinate(d, (w, k, j) => {
        let count = 0;
        for (let p = 0; p < planes.length; p++) count |= ((planes[p][w] >>> k) & 1) << p;
        parameters[j] -= scale * (2 * count - contributors);
      });
      return;
    }
    case 'scaled-sign-bits':
      throw uplinkOnlyFormatError();
    default:
      assertNever(format);
  }
}

function forEachCoordinate(d: number, visit: (word: number, lane: number, j: number) => void): void {
  const words = signWordCount(d);
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const end = Math.min(32, d - base);
    for (let k = 0; k < end; k++) visit(w, k, base + k);
  }
}
