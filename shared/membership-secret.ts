// A worker id is a number anyone holding the token could send; the membership secret makes it a credential. The
// server derives one per membership at Join (unguessable, never logged); every later call of that worker carries it
// as binary metadata, and the server compares it in constant time before the call may touch any state.
// The secret is HMAC-SHA256(run's membership key, worker id): a shard server holding the key (it gets it when it
// registers with the primary) checks a worker's calls itself, with no membership list to keep in sync.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/** Binary metadata ("-bin": sent base64-encoded, read back as bytes). */
const METADATA_KEY = 'signps-membership-bin';
const SECRET_BYTES = 32;

/** A run's membership key: drawn once by the primary, handed to shard servers at registration, never logged. */
export function newMembershipKey(): Buffer {
  return randomBytes(SECRET_BYTES);
}

/** Worker `workerId`'s secret under `key`. Id 0 (never a worker's) is the primary's own, for FetchSlice. */
export function membershipSecret(key: Uint8Array, workerId: number): Buffer {
  return createHmac('sha256', key).update(`signps-member:${workerId}`).digest();
}

/** The id FetchSlice calls carry: the primary's (worker ids start at 1). */
export const PRIMARY_MEMBER_ID = 0;

/** `metadata` (the token's, when there is one) plus the membership secret; `metadata` itself is left as it is. */
export function withMembershipSecret(metadata: grpc.Metadata, secret: Uint8Array): grpc.Metadata {
  const carrying = metadata.clone();
  carrying.set(METADATA_KEY, Buffer.from(secret));
  return carrying;
}

/** Whether the call carries exactly `secret` (constant time; a missing or wrong-sized one never matches). */
export function carriesMembershipSecret(metadata: grpc.Metadata, secret: Uint8Array): boolean {
  const presented = metadata.get(METADATA_KEY)[0];
  if (!Buffer.isBuffer(presented) || presented.byteLength !== secret.byteLength) return false;
  return timingSafeEqual(presented, secret);
}
