// What a payload looks like on the wire, and the aligned buffers both ends decode it in.
// Every region of a payload starts on a 32-bit word so bits read as Uint32Array and floats as Float32Array
// without copying; only the last region is trimmed to its exact bytes on the wire. Buffers are allocated
// padded to whole words (a Buffer from the network may start at any offset; ours never do).
import { signPayloadBytes, signWordCount } from './sign-bits.js';

export type WireFormat =
  /** float32 per coordinate */
  | 'f32'
  /** one sign bit per coordinate (1 = −1) */
  | 'sign-bits'
  /** one float32 scale, then sign bits: scale·(±1) per coordinate */
  | 'scaled-sign-bits'
  /** sign bits, then a tie mask (1 = this coordinate is 0) */
  | 'sign-bits+ties'
  /** k = ⌈log2(M+1)⌉ bit-planes of the per-coordinate count of +1 votes */
  | 'count-planes';

export const WIRE_FORMAT_SUMMARY: Record<WireFormat, string> = {
  f32: '32',
  'sign-bits': '1',
  'scaled-sign-bits': '1 (+32 per message)',
  'sign-bits+ties': '2',
  'count-planes': '⌈log2(M+1)⌉',
};

/** k = ⌈log2(M+1)⌉: bits needed for a count from 0 to M. */
export function countBits(m: number): number {
  return Math.max(1, Math.ceil(Math.log2(m + 1)));
}

/** Bit regions of a format, each padded to a word except the last on the wire. */
function regionWords(format: WireFormat, d: number, m: number): { words: number[]; lastBytes: number } {
  const bitWords = signWordCount(d);
  switch (format) {
    case 'f32':
      return { words: [d], lastBytes: 4 * d };
    case 'sign-bits':
      return { words: [bitWords], lastBytes: signPayloadBytes(d) };
    case 'scaled-sign-bits':
      return { words: [1, bitWords], lastBytes: signPayloadBytes(d) };
    case 'sign-bits+ties':
      return { words: [bitWords, bitWords], lastBytes: signPayloadBytes(d) };
    case 'count-planes':
      return { words: new Array<number>(countBits(m)).fill(bitWords), lastBytes: signPayloadBytes(d) };
    default:
      return assertNever(format);
  }
}

/** Exact payload length in bytes for a d-parameter model and M workers. */
export function payloadBytes(format: WireFormat, d: number, m: number): number {
  const { words, lastBytes } = regionWords(format, d, m);
  return 4 * words.slice(0, -1).reduce((sum, w) => sum + w, 0) + lastBytes;
}

/** A zeroed, word-aligned buffer for the payload and its padding. */
export function allocatePayload(format: WireFormat, d: number, m: number): Uint8Array {
  const { words } = regionWords(format, d, m);
  return new Uint8Array(4 * words.reduce((sum, w) => sum + w, 0));
}

/** The payload's regions as word views, in order. */
export function wordRegions(payload: Uint8Array, format: WireFormat, d: number, m: number): Uint32Array[] {
  const { words } = regionWords(format, d, m);
  let offset = payload.byteOffset;
  return words.map((count) => {
    const view = new Uint32Array(payload.buffer, offset, count);
    offset += 4 * count;
    return view;
  });
}

export function asFloat32(payload: Uint8Array, d: number): Float32Array {
  return new Float32Array(payload.buffer, payload.byteOffset, d);
}

export function asSignWords(payload: Uint8Array, d: number): Uint32Array {
  return new Uint32Array(payload.buffer, payload.byteOffset, signWordCount(d));
}

/** scaled-sign-bits: the scale and the sign words. */
export function asScaledSigns(payload: Uint8Array, d: number): { scale: Float32Array; words: Uint32Array } {
  return {
    scale: new Float32Array(payload.buffer, payload.byteOffset, 1),
    words: new Uint32Array(payload.buffer, payload.byteOffset + 4, signWordCount(d)),
  };
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
