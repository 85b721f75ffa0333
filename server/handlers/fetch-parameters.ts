// FetchParameters: a worker (new, or back after falling behind) receives the server's parameters and their round,
// and takes part in the round after it.
import type * as grpc from '@grpc/grpc-js';
import type { FetchParametersRequest__Output } from '../../shared/proto-types/signps/v1/FetchParametersRequest.js';
import type { ParameterChunk } from '../../shared/proto-types/signps/v1/ParameterChunk.js';
import { writeWithBackpressure } from '../../shared/stream-writer.js';
import { refusal } from '../refusal.js';
import { isSharded, type ServiceDeps } from './deps.js';

export function fetchParameters(
  deps: ServiceDeps,
  call: grpc.ServerWritableStream<FetchParametersRequest__Output, ParameterChunk>,
): void {
  const { config, membership, coordinator, store, refusals, log } = deps;
  const { workerId } = call.request;
  try {
    membership.verify(workerId, call.metadata);
  } catch (error) {
    call.emit('error', refusal(error, refusals, log, workerId));
    return;
  }
  // A worker that fell behind (a missed deadline, a server restart) is back in step from this round on. In a
  // sharded run the servers may be a round apart when it fetches, so each admits it with its first contribution
  // to the open round instead (handlers/push-contribution.ts): every server then takes it in the same round.
  if (!isSharded(deps)) coordinator.addParticipant(workerId);
  // Parameters and round as of the server's step, so a worker fetching meanwhile starts at the next round; a
  // worker that already answered the open round gets those of the next.
  coordinator
    .parametersReady(workerId)
    .then(() => {
      // Views of the live parameters, copied only if the server steps before the stream is done
      // (ParameterStore.lend): the lease ends once every chunk is serialized (the stream has finished) or it is gone.
      const reader = store.lend();
      let released = false;
      const release = () => {
        if (!released) reader.release();
        released = true;
      };
      for (const event of ['finish', 'close', 'error']) call.once(event, release);
      return writeWithBackpressure(call, reader.chunks(config.chunkBytes));
    })
    .then(
      () => call.end(),
      (error: Error) => log.warn({ err: error.message }, 'parameter stream broke off'),
    );
}
