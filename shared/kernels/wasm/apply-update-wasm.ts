// The replica step x ← x − γ·u in WebAssembly SIMD (assembly/apply-update.ts), bit-identical to
// applyUpdateReference (shared/kernels/apply-update.ts): the parameters live in a JS Float32Array, so each
// chunk of them is copied into linear memory with the matching chunk of the update, stepped there, and
// copied back.

import { signBitStep, uplinkOnlyFormatError, weightDecayFactor, type UpdateShape } from '../../codec/update-shape.js';
import { assertNever, wordRegions } from '../../codec/wire-format.js';
import { stagingStrideBytes } from './staging.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * Coordinates per chunk: whole sign words; 64 KiB of parameters and at most 64 KiB of update (f32), so
 * the chunk is still in L2 when the kernel reads it and when it is copied back.
 */
const CHUNK_COORDINATES = 16_384;

/** `payload` must be word-aligned (see allocatePayload). */
export function applyUpdateWasm(parameters: Float32Array, payload: Uint8Array, shape: UpdateShape, stepSize: number): void {
  const d = parameters.length;
  const { format, workers, contributors, weightDecay } = shape;
  const kernels = requireWasmKernels();
  const factor = weightDecayFactor(stepSize, weightDecay);
  // The decay pass runs on each staged chunk just before its step: one copy in and out either way.
  const inChunks = (
    regions: Uint32Array[],
    coordinatesPerWord: 1 | 32,
    step: (parametersAt: number, regionsAt: number, strideBytes: number, n: number) => void,
  ) =>
    inStagedChunks(parameters, regions, coordinatesPerWord, (at, regionsAt, strideBytes, n) => {
      if (weightDecay !== 0) kernels.scaleFloats(at, (n + 3) >>> 2, factor);
      step(at, regionsAt, strideBytes, n);
    });
  switch (format) {
    case 'f32': {
      // Staged as words like the bit regions; a same-type copy moves bytes, so NaN payloads stay as sent.
      const update = new Uint32Array(payload.buffer, payload.byteOffset, d);
      inChunks([update], 1, (at, regionsAt, _, n) => kernels.applyFloats(at, regionsAt, (n + 3) >>> 2, stepSize));
      return;
    }
    case 'sign-bits': {
      const positive = signBitStep(stepSize, 0);
      const negative = signBitStep(stepSize, 1);
      inChunks(wordRegions(payload, format, d, workers), 32, (at, regionsAt, _, n) =>
        kernels.applySigns(at, regionsAt, (n + 31) >>> 5, positive, negative),
      );
      return;
    }
    case 'sign-bits+ties': {
      const positive = signBitStep(stepSize, 0);
      const negative = signBitStep(stepSize, 1);
      inChunks(wordRegions(payload, format, d, workers), 32, (at, regionsAt, strideBytes, n) =>
        kernels.applySignsSkippingTies(at, regionsAt, regionsAt + strideBytes, (n + 31) >>> 5, positive, negative),
      );
      return;
    }
    case 'count-planes': {
      // x ← x − (γ/M)·S with S = 2c − m (Safaryan & Richtárik, Alg. 3).
      const planes = wordRegions(payload, format, d, workers);
      const scale = stepSize / workers;
      inChunks(planes, 32, (at, regionsAt, strideBytes, n) =>
        kernels.applyCountPlanes(at, regionsAt, strideBytes, planes.length, (n + 31) >>> 5, scale, contributors),
      );
      return;
    }
    case 'scaled-sign-bits':
      throw uplinkOnlyFormatError();
    default:
      assertNever(format);
  }
}

/**
 * Stages the parameters chunk by chunk, with the matching words of each payload region (`coordinatesPerWord`
 * coordinates per word: 32 for bit planes, 1 for floats) `strideBytes` apart after them, runs `step` on the
 * chunk's n coordinates and copies the parameters back. Lanes past n in the last chunk hold stale values;
 * they are stepped but never copied back.
 */
function inStagedChunks(
  parameters: Float32Array,
  regions: Uint32Array[],
  coordinatesPerWord: 1 | 32,
  step: (parametersAt: number, regionsAt: number, strideBytes: number, n: number) => void,
): void {
  const kernels = requireWasmKernels();
  const d = parameters.length;
  const parametersAt = kernels.heapBase;
  const regionsAt = parametersAt + stagingStrideBytes(CHUNK_COORDINATES);
  const strideBytes = stagingStrideBytes(CHUNK_COORDINATES / coordinatesPerWord);
  const memory = kernels.reserve(regionsAt - parametersAt + regions.length * strideBytes);
  const heapFloats = new Float32Array(memory);
  const heapWords = new Uint32Array(memory);
  const parametersIndex = parametersAt >>> 2;

  for (let start = 0; start < d; start += CHUNK_COORDINATES) {
    const n = Math.min(CHUNK_COORDINATES, d - start);
    heapFloats.set(parameters.subarray(start, start + n), parametersIndex);
    const firstWord = start / coordinatesPerWord;
    const words = Math.ceil(n / coordinatesPerWord);
    for (let r = 0; r < regions.length; r++) {
      heapWords.set(regions[r].subarray(firstWord, firstWord + words), (regionsAt + r * strideBytes) >>> 2);
    }
    step(parametersAt, regionsAt, strideBytes, n);
    parameters.set(heapFloats.subarray(parametersIndex, parametersIndex + n), start);
  }
}
