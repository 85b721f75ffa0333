// PullUpdate: a worker waits for the update of its round and phase and receives it in chunks; the last chunk
// carries the parameter hash (when due) and whether the run is over. A pipelined round's update is streamed as
// its prefixes are aggregated; if it is withdrawn, the call fails as out of step and the worker fetches the
// parameters again.
import type * as grpc from '@grpc/grpc-js';
import type { PullUpdateRequest__Output } from '../../shared/proto-types/signps/v1/PullUpdateRequest.js';
import type { UpdateChunk } from '../../shared/proto-types/signps/v1/UpdateChunk.js';
import { writeWithBackpressure } from '../../shared/stream-writer.js';
import { refusal } from '../refusal.js';
import type { PublishedUpdate } from '../round-types.js';
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
      await streamUpdate(call, update, config.chunkBytes, (bytes) => traffic.countDownlink(bytes));
      call.end();
      coordinator.updateDelivered(workerId, update);
    })
    .catch((error: unknown) => {
      if (!call.destroyed) call.emit('error', refusal(error, refusals, log, workerId));
    });
}

/**
 * Writes the update in messages of at most `chunkBytes`, each as soon as its bytes are final. The message that
 * ends the payload (one empty message for an empty payload) goes only once the update is complete: it carries
 * the hash and the stop flag.
 */
async function streamUpdate(
  call: grpc.ServerWritableStream<PullUpdateRequest__Output, UpdateChunk>, update: PublishedUpdate, chunkBytes: number, sent: (bytes: number) => void,
): Promise<void> {
  const { payload, progress } = update;
  const totalBytes = payload.byteLength;
  let offset = 0;
  let written = 0;
  for (;;) {
    if (progress?.withdrawn) throw progress.withdrawn;
    const complete = !progress || progress.complete;
    const sendable = complete ? totalBytes : Math.min(progress.readyBytes, totalBytes - 1);
    if (offset >= sendable && !(complete && written === 0)) {
      if (complete) return;
      // Checked and awaited in one turn of the event loop, so no growth is missed in between.
      await progress.changed();
      continue;
    }
    const messages: UpdateChunk[] = [];
    do {
      const length = Math.min(chunkBytes, sendable - offset);
      messages.push({
        round: update.round,
        offset,
        totalBytes,
        data: Buffer.from(payload.buffer, payload.byteOffset + offset, length),
        contributors: update.contributors,
        phase: update.phase,
        rejected: update.rejected,
        pipelined: progress !== undefined,
        ...(offset + length === totalBytes ? { parameterHash: update.hash, stop: update.stop } : {}),
      });
      offset += length;
    } while (offset < sendable);
    written += messages.length;
    await writeWithBackpressure(call, messages);
    for (const message of messages) sent((message.data as Buffer).byteLength);
  }
}
