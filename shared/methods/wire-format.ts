// What a payload looks like on the wire, and the aligned buffers both ends decode it in.
// Buffers are padded to whole 32-bit words so sign bits can be read as Uint32Array and floats as Float32Array
// without copying (a Buffer from the network may start at any byte offset; ours never does).
import { signPayloadBytes, signWordCount } from '../codec/sign-bits.js';

export type WireFormat = 'f32' | 'sign-bits';

/** Bits per coordinate, for tables and help text. */
export function bitsPerCoordinate(format: WireFormat): number {
  switch (format) {
    case 'f32':
      return 32;
    case 'sign-bits':
      return 1;
    default:
      return assertNever(format);
  }
}

/** Exact payload length in bytes for a d-parameter model. */
export function payloadBytes(format: WireFormat, d: number): number {
  switch (format) {
    case 'f32':
      return 4 * d;
    case 'sign-bits':
      return signPayloadBytes(d);
    default:
      return assertNever(format);
  }
}

/** A zeroed, word-aligned buffer big enough for the payload and its padding. */
export function allocatePayload(format: WireFormat, d: number): Uint8Array {
  const words = format === 'f32' ? d : signWordCount(d);
  return new Uint8Array(new ArrayBuffer(4 * words));
}

export function asFloat32(payload: Uint8Array, d: number): Float32Array {
  return new Float32Array(payload.buffer, payload.byteOffset, d);
}

export function asSignWords(payload: Uint8Array, d: number): Uint32Array {
  return new Uint32Array(payload.buffer, payload.byteOffset, signWordCount(d));
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
