// RegisterShard (the primary of a sharded run): a shard server asks for its place. The stream stays open: the
// registry sends the assignment once every shard is there, and the stream's end tells the primary the shard is gone.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logging.js';
import { ShardsNotReadyError, WrongServerRoleError } from '../../shared/protocol-errors.js';
import { NOT_READY_METADATA } from '../../shared/protocol.js';
import type { RegisterShardRequest__Output } from '../../shared/proto-types/signps/v1/RegisterShardRequest.js';
import type { ShardNotice } from '../../shared/proto-types/signps/v1/ShardNotice.js';
import { refusal } from '../refusal.js';
import type { RefusalLog } from '../refusal-log.js';
import { quotePeer } from '../refusal-log.js';
import type { ShardRegistry } from '../shard-registry.js';

export interface RegisterShardDeps {
  registry?: ShardRegistry;
  refusals: RefusalLog;
  log: Logger;
}

export function registerShard({ registry, refusals, log }: RegisterShardDeps, call: grpc.ServerWritableStream<RegisterShardRequest__Output, ShardNotice>): void {
  try {
    if (!registry) throw new WrongServerRoleError('this server runs unsharded (no --servers); start the primary with --servers S to add shard servers');
    const shard = registry.register(call.request, call);
    log.info(
      { event: 'shard-registered', shard: shard.index, address: quotePeer(shard.address), peer: call.getPeer() },
      `shard server ${shard.index} registered from ${call.getPeer()} (workers reach it at ${quotePeer(shard.address)}); ${registry.registered}/${registry.expected}`,
    );
  } catch (error) {
    const status = refusal(error, refusals, log, undefined, { advertise: quotePeer(call.request.advertise) });
    // A shard server being replaced: the new one retries quietly, as a worker does while the run is not ready.
    if (error instanceof ShardsNotReadyError) status.metadata.set(NOT_READY_METADATA, '1');
    call.emit('error', status);
  }
}
