// The gRPC service: one named handler per RPC (server/handlers/), each taking the dependencies it needs. They
// check what arrives, translate it for the coordinator, and turn every refusal into a status with a message
// that tells the worker what to do (server/refusal.ts). Nothing here touches the parameters directly.
// The two RPCs between the servers of a sharded run depend on the role: the primary serves RegisterShard, a
// shard server FetchSlice (server/main.ts, server/shard-server.ts hand them in); elsewhere they are refused.
import type { ParameterServerHandlers } from '../shared/proto-types/signps/v1/ParameterServer.js';
import { WrongServerRoleError } from '../shared/protocol-errors.js';
import { attend } from './handlers/attend.js';
import type { ServiceDeps } from './handlers/deps.js';
import { fetchParameters } from './handlers/fetch-parameters.js';
import { join } from './handlers/join.js';
import { pullUpdate } from './handlers/pull-update.js';
import { pushContribution } from './handlers/push-contribution.js';
import { grpcError } from './grpc-error.js';
import { statusOfRefusal } from '../shared/protocol-errors.js';

export type WorkerHandlers = Pick<ParameterServerHandlers, 'Join' | 'FetchParameters' | 'PushContribution' | 'Attend' | 'PullUpdate'>;
export type RoleRpc = 'RegisterShard' | 'FetchSlice';
export type RoleHandlers = Pick<ParameterServerHandlers, RoleRpc>;

export function createHandlers(deps: ServiceDeps): WorkerHandlers {
  return {
    Join: (call, callback) => join(deps, call, callback),
    FetchParameters: (call) => fetchParameters(deps, call),
    PushContribution: (call, callback) => pushContribution(deps, call, callback),
    Attend: (call) => attend(deps, call),
    PullUpdate: (call) => pullUpdate(deps, call),
  };
}

/** RegisterShard and FetchSlice refused: the server is not in the role that serves them. */
export const NO_ROLE_HANDLERS: RoleHandlers = {
  RegisterShard: (call) => call.emit('error', roleRefusal('RegisterShard is served by the primary of a sharded run (`signps server --servers S`)')),
  FetchSlice: (call) => call.emit('error', roleRefusal('FetchSlice is served by shard servers (`signps server --join`)')),
};

function roleRefusal(message: string) {
  const error = new WrongServerRoleError(message);
  return grpcError(statusOfRefusal(error), error.message);
}
