// Join: a worker asks to take part; it gets an id, a data shard and the run's configuration, and must open its
// Attend stream soon after.
import type * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { VersionMismatchError } from '../../shared/protocol-errors.js';
import type { JoinReply } from '../../shared/proto-types/signps/v1/JoinReply.js';
import type { JoinRequest__Output } from '../../shared/proto-types/signps/v1/JoinRequest.js';
import { quietRefusal, refusal } from '../refusal.js';
import { leave, type ServiceDeps } from './deps.js';

/** A worker that joined but opened no Attend stream in this time is dropped and its shard freed. */
const ATTEND_WITHIN_MS = 15_000;

export function join(
  deps: ServiceDeps, call: grpc.ServerUnaryCall<JoinRequest__Output, JoinReply>, callback: grpc.sendUnaryData<JoinReply>,
): void {
  const { config, membership, coordinator, log } = deps;
  const { protocolVersion, workerName } = call.request;
  if (protocolVersion !== PROTOCOL_VERSION) {
    log.warn({ workerName, protocolVersion }, 'refused a worker speaking another protocol version');
    const mismatch = new VersionMismatchError(
      `worker speaks protocol v${protocolVersion}, server speaks v${PROTOCOL_VERSION}; run the same signps version on both`,
    );
    return callback(quietRefusal(mismatch));
  }
  try {
    const member = membership.join(workerName);
    coordinator.addParticipant(member.workerId);
    log.info(
      { workerId: member.workerId, shard: member.shardIndex, workerName, peer: call.getPeer() },
      `worker ${member.workerId} "${workerName}" joined from ${call.getPeer()} (shard ${member.shardIndex}, ${membership.size}/${config.workers})`,
    );
    callback(null, { workerId: member.workerId, shardIndex: member.shardIndex, config });
    setTimeout(() => {
      if (membership.get(member.workerId)?.attending === false) leave(deps, member.workerId, 'it never opened its Attend stream');
    }, ATTEND_WITHIN_MS).unref();
  } catch (error) {
    callback(refusal(error, log));
  }
}
