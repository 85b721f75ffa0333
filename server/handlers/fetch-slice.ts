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
import type { TrafficCounter } from '../traffic.js';

export interface FetchSliceDeps {
  membershipKey: Buffer;
  snapshots: SliceSnapshots;
  traffic: TrafficCounter;
  /** Resolves once round `round` is settled here: for the last round, once its update has reached the workers. */
  settled(round: number): Promise<void>;
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
  Promise.all([deps.snapshots.take(round), deps.settled(round)])
    .then(([bytes]) => {
      const chunks = [...splitIntoChunks(bytes, deps.chunkBytes)].map((c) => ({ round, ...c }));
      // Counted now, so the primary's summary has this shard's bytes up to here (all of them after the last round).
      Object.assign(chunks[chunks.length - 1], { uplinkBytes: deps.traffic.uplinkBytes, downlinkBytes: deps.traffic.downlinkBytes });
      return writeWithBackpressure(call, chunks);
    })
    .then(
      () => call.end(),
      (error: Error) => deps.log.warn({ err: error.message }, 'slice stream broke off'),
    );
}
