// PushContribution: a worker streams its payload for one round and phase in chunks; the coordinator says where
// the bytes go and takes the whole contribution once the stream ends complete.
import type * as grpc from '@grpc/grpc-js';
import type { ChunkAssembler } from '../../shared/codec/chunks.js';
import { ProtocolError } from '../../shared/errors.js';
import { NotAMemberError } from '../../shared/protocol-errors.js';
import type { ContributionChunk__Output } from '../../shared/proto-types/signps/v1/ContributionChunk.js';
import type { PushReply } from '../../shared/proto-types/signps/v1/PushReply.js';
import { refusal } from '../refusal.js';
import type { ServiceDeps } from './deps.js';

export function pushContribution(
  { membership, coordinator, traffic, log }: ServiceDeps,
  call: grpc.ServerReadableStream<ContributionChunk__Output, PushReply>,
  callback: grpc.sendUnaryData<PushReply>,
): void {
  let assembler: ChunkAssembler | undefined;
  let first: ContributionChunk__Output | undefined;
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    const unknownWorker = first && !membership.get(first.workerId);
    const reason = unknownWorker ? new NotAMemberError(`worker ${first!.workerId} has not joined; join first`) : error;
    callback(refusal(reason, log, first?.workerId));
  };
  call.on('data', (chunk: ContributionChunk__Output) => {
    if (failed) return;
    try {
      if (!first) {
        first = chunk;
        assembler = coordinator.openContribution(chunk.workerId, chunk.round, chunk.phase);
      } else if (chunk.workerId !== first.workerId || chunk.round !== first.round || chunk.phase !== first.phase) {
        throw new ProtocolError('a contribution stream must carry one worker, one round and one phase');
      }
      assembler!.accept({ offset: chunk.offset, totalBytes: chunk.totalBytes, data: chunk.data });
      traffic.countUplink(chunk.data.byteLength);
    } catch (error) {
      fail(error);
    }
  });
  call.on('end', () => {
    if (failed) return;
    if (!first || !assembler?.complete) {
      return fail(new ProtocolError(`contribution ended after ${assembler?.bytesReceived ?? 0} bytes; the whole payload is required`));
    }
    try {
      const { computeMs, encodeMs } = first;
      const reported = computeMs > 0 || encodeMs > 0 ? { computeMs, encodeMs } : undefined;
      coordinator.commitContribution(first.workerId, first.round, first.phase, first.loss, reported);
    } catch (error) {
      return fail(error);
    }
    callback(null, { accepted: true });
  });
  call.on('error', (error) => log.debug({ err: error.message }, 'contribution stream error'));
}
