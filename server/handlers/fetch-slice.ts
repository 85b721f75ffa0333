// FetchSlice (shard servers): the primary collects this shard's slice of the parameters after a round it
// evaluates. Only the primary may: the call carries the membership secret of id 0, derived from the run's key.
import type * as grpc from '@grpc/grpc-js';
import { splitIntoChunks } from '../../shared/codec/chunks.js';
import { carriesMembershipSecret, membershipSecret, PRIMARY_MEMBER_ID } from '../../shared/membership-secret.js';
import { NotThisMemberError } from '../../shared/protocol-errors.js';
import type { FetchSliceRequest__Output } from '../../shared/proto-types/signps/v1/FetchSliceRequest.js';
import type { ParameterChunk } from '../../shared/proto-types/signps/v1/ParameterChunk.js';
import { writeWithBackpressure } from '../../shared/stream-writer.js';
import type { Logger } from '../../shared/logging.js';
import { refusal } from '../refusal.js';
import type { RefusalLog } from '../refusal-log.js';
import type { SliceSnapshots } from '../slice-snapshots.js';

export interface FetchSliceDeps {
  membershipKey: Buffer;
  snapshots: SliceSnapshots;
  chunkBytes: number;
  refusals: RefusalLog;
  log: Logger;
}

export function fetchSlice(deps: FetchSliceDeps, call: grpc.ServerWritableStream<FetchSliceRequest__Output, ParameterChunk>): void {
  const { round } = call.request;
  if (!carriesMembershipSecret(call.metadata, membershipSecret(deps.membershipKey, PRIMARY_MEMBER_ID))) {
    call.emit('error', refusal(new NotThisMemberError('only the run\'s primary server may fetch a shard\'s slice'), deps.refusals, deps.log));
    return;
  }
  deps.snapshots
    .take(round)
    .then((bytes) => writeWithBackpressure(call, [...splitIntoChunks(bytes, deps.chunkBytes)].map((c) => ({ round, ...c }))))
    .then(
      () => call.end(),
      (error: Error) => deps.log.warn({ err: error.message }, 'slice stream broke off'),
    );
}
