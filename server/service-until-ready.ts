// A sharded run's servers listen before their rounds exist: the primary waits for its shard servers to register,
// a shard server for its assignment. Until then every worker call is refused with a status that says to retry
// (UNAVAILABLE: a worker's join already retries with backoff); `ready` swaps in the real handlers, `pause` takes
// them out again while a lost shard server is awaited.
import type * as grpc from '@grpc/grpc-js';
import { statusOfRefusal, type ShardsNotReadyError } from '../shared/protocol-errors.js';
import { grpcError } from './grpc-error.js';
import { NOT_READY_METADATA } from '../shared/protocol.js';
import type { WorkerHandlers } from './service.js';

export interface ServiceUntilReady {
  handlers: WorkerHandlers;
  ready(handlers: WorkerHandlers): void;
  /** Refuses every worker call again, as before `ready` (the run waits for a shard server to come back). */
  pause(): void;
}

/** Not logged: workers retrying while the servers get ready is how a sharded run starts. */
export function serviceUntilReady(notReady: () => ShardsNotReadyError): ServiceUntilReady {
  let live: WorkerHandlers | undefined;
  const refused = (): grpc.ServiceError => {
    const error = notReady();
    const status = grpcError(statusOfRefusal(error), error.message);
    status.metadata.set(NOT_READY_METADATA, '1');
    return status;
  };
  return {
    ready: (handlers) => (live = handlers),
    pause: () => (live = undefined),
    handlers: {
      Join: (call, callback) => (live ? live.Join(call, callback) : callback(refused())),
      PushContribution: (call, callback) => (live ? live.PushContribution(call, callback) : callback(refused())),
      FetchParameters: (call) => (live ? live.FetchParameters(call) : call.emit('error', refused())),
      PullUpdate: (call) => (live ? live.PullUpdate(call) : call.emit('error', refused())),
      Attend: (call) => (live ? live.Attend(call) : call.emit('error', refused())),
    },
  };
}
