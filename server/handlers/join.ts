// Join: a worker asks to take part; it gets an id, the membership secret that proves the id from then on, a data
// shard and the run's configuration, and must open its Attend stream soon after.
import type * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { VersionMismatchError, WrongServerRoleError } from '../../shared/protocol-errors.js';
import type { JoinReply } from '../../shared/proto-types/signps/v1/JoinReply.js';
import type { JoinRequest__Output } from '../../shared/proto-types/signps/v1/JoinRequest.js';
import { refusal } from '../refusal.js';
import { quotePeer } from '../refusal-log.js';
import { leave, type ServiceDeps } from './deps.js';

/** A worker that joined but opened no Attend stream in this time is dropped and its shard freed. */
const ATTEND_WITHIN_MS = 15_000;

export function join(
  deps: ServiceDeps, call: grpc.ServerUnaryCall<JoinRequest__Output, JoinReply>, callback: grpc.sendUnaryData<JoinReply>,
): void {
  const { config, membership, coordinator, refusals, log } = deps;
  const { protocolVersion } = call.request;
  const workerName = quotePeer(call.request.workerName);
  if (protocolVersion !== PROTOCOL_VERSION) {
    const mismatch = new VersionMismatchError(
      `worker speaks protocol v${protocolVersion}, server speaks v${PROTOCOL_VERSION}; run the same signps version on both`,
    );
    return callback(refusal(mismatch, refusals, log, undefined, { workerName, protocolVersion }));
  }
  try {
    if (deps.primary) {
      throw new WrongServerRoleError(`this is a shard server of a sharded run; workers join its primary at ${deps.primary} (--server ${deps.primary})`);
    }
    const member = membership.join(call.request.workerName);
    // A sharded run admits the worker when it fetches the parameters, as every shard server does (round-admission.ts).
    if (!deps.shards) coordinator.addParticipant(member.workerId);
    log.info(
      { workerId: member.workerId, shard: member.shardIndex, workerName, peer: call.getPeer() },
      `worker ${member.workerId} "${workerName}" joined from ${call.getPeer()} (shard ${member.shardIndex}, ${membership.size}/${config.workers})`,
    );
    callback(null, { workerId: member.workerId, shardIndex: member.shardIndex, config, membershipSecret: member.secret, shards: deps.shards ?? [] });
    setTimeout(() => {
      if (membership.get(member.workerId)?.attending === false) leave(deps, member.workerId, 'it never opened its Attend stream');
    }, ATTEND_WITHIN_MS).unref();
  } catch (error) {
    callback(refusal(error, refusals, log, undefined, { workerName }));
  }
}
