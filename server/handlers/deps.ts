// What the gRPC handlers share: the run, its members and rounds, the parameters, the traffic counters, the open
// Attend streams, the refusal log, and how a worker leaves.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logging.js';
import type { RunConfig } from '../../shared/protocol.js';
import type { AttendRequest__Output } from '../../shared/proto-types/signps/v1/AttendRequest.js';
import type { Notice } from '../../shared/proto-types/signps/v1/Notice.js';
import type { ShardAddress } from '../../shared/proto-types/signps/v1/ShardAddress.js';
import type { Membership } from '../membership.js';
import type { ParameterStore } from '../parameter-store.js';
import type { RefusalLog } from '../refusal-log.js';
import type { RoundCoordinator } from '../round-coordinator.js';
import type { TrafficCounter } from '../traffic.js';

/** Workers' open Attend streams, by worker id: the server's way to tell them to stop. */
export type Sessions = Map<number, grpc.ServerWritableStream<AttendRequest__Output, Notice>>;

export interface ServiceDeps {
  /** The whole run's configuration, as workers receive it at Join. */
  config: RunConfig;
  /** A sharded run: where each coordinate range is served (the Join reply carries it); none with one server. */
  shards?: ShardAddress[];
  /** On a shard server: the primary's address, where workers join (Join here is refused with it). */
  primary?: string;
  membership: Membership;
  coordinator: RoundCoordinator;
  store: ParameterStore;
  traffic: TrafficCounter;
  sessions: Sessions;
  refusals: RefusalLog;
  log: Logger;
}

/** Whether this server is one of a sharded run's (the primary or a shard server). */
export function isSharded(deps: Pick<ServiceDeps, 'shards' | 'primary'>): boolean {
  return deps.shards !== undefined || deps.primary !== undefined;
}

/** The worker is gone: it leaves the membership (its shard is free) and the round stops waiting for it. */
export function leave({ membership, coordinator, log }: ServiceDeps, workerId: number, why: string): void {
  const member = membership.leave(workerId);
  if (!member) return;
  coordinator.removeParticipant(workerId);
  if (coordinator.done) return;
  // A shard server does not hand out data shards (the primary does): it only stops waiting.
  const freed = member.shardIndex >= 0 ? `; shard ${member.shardIndex} is free` : '';
  log.warn({ workerId, shard: member.shardIndex }, `worker ${workerId} left (${why})${freed}`);
}
