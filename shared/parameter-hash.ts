// A short fingerprint of the float32 parameters, compared by server and workers every few rounds to prove
// the replicas are still bit-identical.
import { createHash, type Hash } from 'node:crypto';

export const HASH_BYTES = 16;

export function parameterHash(parameters: Float32Array): Buffer {
  return new ParameterHasher().add(parameters).digest();
}

/**
 * The same fingerprint taken piece by piece, the pieces in coordinate order (SHA-256 is incremental): a sharded
 * run's primary hashes the whole vector slice by slice as the slices arrive, without putting it together.
 */
export class ParameterHasher {
  private readonly hash: Hash = createHash('sha256');

  add(values: Float32Array | Uint8Array): this {
    this.hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return this;
  }

  digest(): Buffer {
    return this.hash.digest().subarray(0, HASH_BYTES);
  }
}
