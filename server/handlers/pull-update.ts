// PullUpdate: a worker waits for the update of its round and phase and receives it in chunks; the last chunk
// carries the parameter hash (when due) and whether the run is over.
import type * as grpc from '@grpc/grpc-js';
import { splitIntoChunks } from '../../shared/codec/chunks.js';
import type { PullUpdateRequest__Output } from '../../shared/proto-types/signps/v1/PullUpdateRequest.js';
import type { UpdateChunk } from '../../shared/proto-types/signps/v1/UpdateChunk.js';
import { writeWithBackpressure } from '../../shared/stream-writer.js';
import { refusal } from '../refusal.js';
import type { ServiceDeps } from './deps.js';

export function pullUpdate(
  { config, membership, coordinator, traffic, refusals, log }: ServiceDeps,
  call: grpc.ServerWritableStream<PullUpdateRequest__Output, UpdateChunk>,
): void {
  const { workerId, round, phase } = call.request;
  try {
    membership.verify(workerId, call.metadata);
  } catch (error) {
    call.emit('error', refusal(error, refusals, log, workerId));
    return;
  }
  coordinator
    .waitForUpdate(round, phase)
    .then(async (update) => {
      const chunks = [...splitIntoChunks(update.payload, config.chunkBytes)];
      const messages = chunks.map((chunk, index) => ({
        round,
        ...chunk,
        contributors: update.contributors,
        phase: update.phase,
        rejected: update.rejected,
        ...(index === chunks.length - 1 ? { parameterHash: update.hash, stop: update.stop } : {}),
      }));
      await writeWithBackpressure(call, messages);
      for (const chunk of chunks) traffic.countDownlink(chunk.data.byteLength);
      call.end();
      coordinator.updateDelivered(workerId, update);
    })
    .catch((error: unknown) => {
      if (!call.destroyed) call.emit('error', refusal(error, refusals, log, workerId));
    });
}
