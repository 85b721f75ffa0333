// The replica step x ← x − γ·u, shared by the server and every worker. Both sides run this same code on the
// same bytes, so their float32 parameters stay bit-identical (checked by hash every few rounds).
import { signWordCount } from '../codec/sign-bits.js';
import { asFloat32, asSignWords, assertNever, type WireFormat } from './wire-format.js';

/** `payload` must be word-aligned (see allocatePayload). */
export function applyUpdate(
  parameters: Float32Array,
  format: WireFormat,
  payload: Uint8Array,
  learningRate: number,
): void {
  const d = parameters.length;
  switch (format) {
    case 'f32': {
      const update = asFloat32(payload, d);
      for (let j = 0; j < d; j++) parameters[j] -= learningRate * update[j];
      return;
    }
    case 'sign-bits': {
      // bit 1 = negative: x ← x − γ·(1 − 2·bit)
      const words = asSignWords(payload, d);
      const wordCount = signWordCount(d);
      for (let w = 0; w < wordCount; w++) {
        const word = words[w];
        const base = w << 5;
        const end = Math.min(32, d - base);
        for (let k = 0; k < end; k++) {
          parameters[base + k] -= learningRate * (1 - 2 * ((word >>> k) & 1));
        }
      }
      return;
    }
    default:
      assertNever(format);
  }
}
