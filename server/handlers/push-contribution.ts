// PushContribution: a worker streams its payload for one round and phase in chunks. The first chunk must prove
// the worker (its membership secret); the coordinator then lends the stream the worker's slot, and takes the
// whole contribution once the stream ends complete while its round is open. A stream that fails or breaks off
// gives the slot back at once.
import type * as grpc from '@grpc/grpc-js';
import { ProtocolError } from '../../shared/errors.js';
import type { ContributionChunk__Output } from '../../shared/proto-types/signps/v1/ContributionChunk.js';
import type { PushReply } from '../../shared/proto-types/signps/v1/PushReply.js';
import type { OpenContribution } from '../open-contribution.js';
import { refusal } from '../refusal.js';
import { isSharded, type ServiceDeps } from './deps.js';

export function pushContribution(
  deps: ServiceDeps,
  call: grpc.ServerReadableStream<ContributionChunk__Output, PushReply>,
  callback: grpc.sendUnaryData<PushReply>,
): void {
  const { membership, coordinator, traffic, refusals, log } = deps;
  let contribution: OpenContribution | undefined;
  let first: ContributionChunk__Output | undefined;
  let finished = false;
  const fail = (error: unknown) => {
    if (finished) return;
    finished = true;
    contribution?.release();
    callback(refusal(error, refusals, log, first?.workerId));
  };
  call.on('data', (chunk: ContributionChunk__Output) => {
    if (finished) return;
    try {
      if (!first) {
        first = chunk;
        membership.verify(chunk.workerId, call.metadata);
        // Sharded: a worker is admitted with its first contribution to the open round (handlers/fetch-parameters.ts).
        if (isSharded(deps) && chunk.phase === 0 && chunk.round === coordinator.round) coordinator.addParticipant(chunk.workerId);
        contribution = coordinator.openContribution(chunk.workerId, chunk.round, chunk.phase);
      } else if (chunk.workerId !== first.workerId || chunk.round !== first.round || chunk.phase !== first.phase) {
        throw new ProtocolError('a contribution stream must carry one worker, one round and one phase');
      }
      contribution!.accept({ offset: chunk.offset, totalBytes: chunk.totalBytes, data: chunk.data });
      traffic.countUplink(chunk.data.byteLength);
    } catch (error) {
      fail(error);
    }
  });
  call.on('end', () => {
    if (finished) return;
    if (!first || !contribution?.complete) {
      return fail(new ProtocolError(`contribution ended after ${contribution?.bytesReceived ?? 0} bytes; the whole payload is required`));
    }
    try {
      const { computeMs, encodeMs } = first;
      const reported = computeMs > 0 || encodeMs > 0 ? { computeMs, encodeMs } : undefined;
      coordinator.commitContribution(contribution, first.loss, reported);
    } catch (error) {
      return fail(error);
    }
    finished = true;
    callback(null, { accepted: true });
  });
  // The client went away mid-stream: nothing to answer, but the slot must not stay lent.
  const brokeOff = () => {
    finished = true;
    contribution?.release();
  };
  call.on('cancelled', brokeOff);
  call.on('error', (error) => {
    log.debug({ err: error.message }, 'contribution stream error');
    brokeOff();
  });
}
