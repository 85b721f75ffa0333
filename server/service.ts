// The gRPC service: one named handler per RPC (server/handlers/), each taking the dependencies it needs. They
// check what arrives, translate it for the coordinator, and turn every refusal into a status with a message
// that tells the worker what to do (server/refusal.ts). Nothing here touches the parameters directly.
import type { ParameterServerHandlers } from '../shared/proto-types/signps/v1/ParameterServer.js';
import { attend } from './handlers/attend.js';
import type { ServiceDeps } from './handlers/deps.js';
import { fetchParameters } from './handlers/fetch-parameters.js';
import { join } from './handlers/join.js';
import { pullUpdate } from './handlers/pull-update.js';
import { pushContribution } from './handlers/push-contribution.js';

export function createHandlers(deps: ServiceDeps): ParameterServerHandlers {
  return {
    Join: (call, callback) => join(deps, call, callback),
    FetchParameters: (call) => fetchParameters(deps, call),
    PushContribution: (call, callback) => pushContribution(deps, call, callback),
    Attend: (call) => attend(deps, call),
    PullUpdate: (call) => pullUpdate(deps, call),
  };
}
