// The replica step x ← x − γ·u in plain JavaScript: the fallback where the WebAssembly kernels cannot run.
// Bit-identical to applyUpdateReference (apply-update.ts): the possible per-coordinate steps are the same
// double products, formed once per update (../codec/update-shape.ts) and looked up by the coordinate's bits, where the
// reference calls a closure and multiplies per coordinate (which V8 ran at 5–9 ns a coordinate).
import { signWordCount } from '../codec/sign-bits.js';
import { signBitStep, uplinkOnlyFormatError, voteCountStep, weightDecayFactor, type UpdateShape } from '../codec/update-shape.js';
import { asFloat32, assertNever, wordRegions } from '../codec/wire-format.js';

/** `payload` must be word-aligned (see allocatePayload). */
export function applyUpdateJs(parameters: Float32Array, payload: Uint8Array, shape: UpdateShape, stepSize: number): void {
  const d = parameters.length;
  const { format, workers, contributors, weightDecay } = shape;
  if (weightDecay !== 0) scaleParameters(parameters, weightDecayFactor(stepSize, weightDecay));
  switch (format) {
    case 'f32': {
      const update = asFloat32(payload, d);
      for (let j = 0; j < d; j++) parameters[j] -= stepSize * update[j];
      return;
    }
    case 'sign-bits': {
      const [signs] = wordRegions(payload, format, d, workers);
      applySignWords(parameters, signs, signStepTable(stepSize));
      return;
    }
    case 'sign-bits+ties': {
      const [signs, ties] = wordRegions(payload, format, d, workers);
      applySignWordsSkippingTies(parameters, signs, ties, signStepTable(stepSize));
      return;
    }
    case 'count-planes': {
      // x ← x − (γ/M)·S with S = 2c − m (Safaryan & Richtárik, Alg. 3).
      const planes = wordRegions(payload, format, d, workers);
      const scale = stepSize / workers;
      const steps = Float64Array.from({ length: 1 << planes.length }, (_, count) => voteCountStep(scale, count, contributors));
      applyCountPlanes(parameters, planes, steps);
      return;
    }
    case 'scaled-sign-bits':
      throw uplinkOnlyFormatError();
    default:
      assertNever(format);
  }
}

/** x ← x·factor, rounded to float32: the decay pass, before the step. */
function scaleParameters(parameters: Float32Array, factor: number): void {
  for (let j = 0; j < parameters.length; j++) parameters[j] *= factor;
}

/** Index = sign bit: the table lookup has no branch to mispredict on random signs. */
function signStepTable(stepSize: number): Float64Array {
  return Float64Array.of(signBitStep(stepSize, 0), signBitStep(stepSize, 1));
}

function applySignWords(parameters: Float32Array, signs: Uint32Array, steps: Float64Array): void {
  for (let j = 0; j < parameters.length; j++) parameters[j] -= steps[(signs[j >>> 5] >>> (j & 31)) & 1];
}

function applySignWordsSkippingTies(parameters: Float32Array, signs: Uint32Array, ties: Uint32Array, steps: Float64Array): void {
  // A tied coordinate keeps its bits (it is not stepped by 0: x − 0 would quiet a signalling NaN). Every
  // coordinate is stepped, then the old bits put back under the tie mask: no branch on random ties.
  const bits = new Int32Array(parameters.buffer, parameters.byteOffset, parameters.length);
  for (let j = 0; j < parameters.length; j++) {
    const w = j >>> 5;
    const lane = j & 31;
    const tied = -((ties[w] >>> lane) & 1);
    const before = bits[j];
    parameters[j] -= steps[(signs[w] >>> lane) & 1];
    bits[j] = (bits[j] & ~tied) | (before & tied);
  }
}

function applyCountPlanes(parameters: Float32Array, planes: Uint32Array[], steps: Float64Array): void {
  const d = parameters.length;
  const planeCount = planes.length;
  const planeWords = new Int32Array(planeCount);
  for (let w = 0; w < signWordCount(d); w++) {
    for (let p = 0; p < planeCount; p++) planeWords[p] = planes[p][w];
    const base = w << 5;
    const end = Math.min(32, d - base);
    for (let k = 0; k < end; k++) {
      // c = Σ bit_p·2^p, most significant plane first.
      let count = 0;
      for (let p = planeCount - 1; p >= 0; p--) count = (count << 1) | ((planeWords[p] >>> k) & 1);
      parameters[base + k] -= steps[count];
    }
  }
}
