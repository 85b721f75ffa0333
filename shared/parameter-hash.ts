// A short fingerprint of the float32 parameters, compared by server and workers every few rounds to prove
// the replicas are still bit-identical.
import { createHash } from 'node:crypto';

export const HASH_BYTES = 16;

export function parameterHash(parameters: Float32Array): Buffer {
  const bytes = new Uint8Array(parameters.buffer, parameters.byteOffset, parameters.byteLength);
  return createHash('sha256').update(bytes).digest().subarray(0, HASH_BYTES);
}
