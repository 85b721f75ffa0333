// Tells the run's watchers (dashboard, metrics) of every refused request, by RPC and gRPC status, wrapping the
// handlers as authentication.ts does: the handlers themselves stay unaware of who is watching.
import * as grpc from '@grpc/grpc-js';
import type { ParameterServerHandlers } from '../shared/proto-types/signps/v1/ParameterServer.js';
import type { ContributionChunk__Output } from '../shared/proto-types/signps/v1/ContributionChunk.js';
import type { RunObserver } from './run-observer.js';

type Status = Partial<grpc.StatusObject> | null | undefined;

export function observeRefusals(handlers: ParameterServerHandlers, observer: RunObserver | undefined): ParameterServerHandlers {
  if (!observer) return handlers;
  const note = (rpc: string, status: Status, workerId?: number) => {
    if (typeof status?.code !== 'number' || status.code === grpc.status.OK || status.code === grpc.status.CANCELLED) return;
    observer.refused(rpc, grpc.status[status.code], workerId);
  };
  /** A server stream is refused by emitting 'error' with the status on the call (server/refusal.ts). */
  const watchStream = <R extends object>(rpc: string, call: grpc.ServerWritableStream<R, unknown>) =>
    call.on('error', (status: Status) => note(rpc, status, (call.request as { workerId?: number }).workerId));
  return {
    Join: (call, callback) =>
      handlers.Join(call, (error, value, trailer, flags) => {
        note('Join', error);
        callback(error, value, trailer, flags);
      }),
    PushContribution: (call, callback) => {
      let workerId: number | undefined;
      call.once('data', (chunk: ContributionChunk__Output) => (workerId = chunk.workerId));
      handlers.PushContribution(call, (error, value, trailer, flags) => {
        note('PushContribution', error, workerId);
        callback(error, value, trailer, flags);
      });
    },
    FetchParameters: (call) => {
      watchStream('FetchParameters', call);
      handlers.FetchParameters(call);
    },
    PullUpdate: (call) => {
      watchStream('PullUpdate', call);
      handlers.PullUpdate(call);
    },
    Attend: (call) => {
      watchStream('Attend', call);
      handlers.Attend(call);
    },
    RegisterShard: (call) => {
      watchStream('RegisterShard', call);
      handlers.RegisterShard(call);
    },
    FetchSlice: (call) => {
      watchStream('FetchSlice', call);
      handlers.FetchSlice(call);
    },
  };
}
