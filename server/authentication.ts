// With --token, every call must carry it (gRPC metadata, compared in constant time) before its handler runs,
// so a call without it is refused before a single payload byte is read. Shard servers' calls to
// the primary (RegisterShard) and the primary's to them (FetchSlice) carry the same token.
import type * as grpc from '@grpc/grpc-js';
import type { ParameterServerHandlers } from '../shared/proto-types/signps/v1/ParameterServer.js';
import { statusOfRefusal, TokenRefusedError } from '../shared/protocol-errors.js';
import { tokenMatches } from '../shared/security.js';
import { grpcError } from './grpc-error.js';
import type { RefusalLog } from './refusal-log.js';

export function requireToken(handlers: ParameterServerHandlers, token: string | undefined, refusals: RefusalLog): ParameterServerHandlers {
  if (token === undefined) return handlers;
  const allowed = (call: { metadata: grpc.Metadata; getPeer(): string }) => {
    if (tokenMatches(call.metadata, token)) return true;
    refusals.warn('token', { peer: call.getPeer() }, 'refused a call without the right token');
    return false;
  };
  // Logged in allowed(), rate-limited: the status alone goes back.
  const refused = new TokenRefusedError("missing or wrong token; give the worker the server's token (--token or --token-file)");
  const refusal = () => grpcError(statusOfRefusal(refused), refused.message);
  return {
    Join: (call, callback) => (allowed(call) ? handlers.Join(call, callback) : callback(refusal())),
    PushContribution: (call, callback) => (allowed(call) ? handlers.PushContribution(call, callback) : callback(refusal())),
    FetchParameters: (call) => (allowed(call) ? handlers.FetchParameters(call) : call.emit('error', refusal())),
    PullUpdate: (call) => (allowed(call) ? handlers.PullUpdate(call) : call.emit('error', refusal())),
    Attend: (call) => (allowed(call) ? handlers.Attend(call) : call.emit('error', refusal())),
    RegisterShard: (call) => (allowed(call) ? handlers.RegisterShard(call) : call.emit('error', refusal())),
    FetchSlice: (call) => (allowed(call) ? handlers.FetchSlice(call) : call.emit('error', refusal())),
  };
}
