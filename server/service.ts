// The gRPC handlers: they check what arrives, translate it for the coordinator, and turn every refusal into
// a status with a message that tells the worker what to do. Nothing here touches the parameters directly.
// A server stream is refused with call.emit('error', status): grpc-js then sends the status; call.destroy() would
// not, and the client would wait forever.
import * as grpc from '@grpc/grpc-js';
import { splitIntoChunks } from '../shared/codec/chunks.js';
import { ProtocolError, UserFacingError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { PROTOCOL_VERSION, type RunConfig } from '../shared/protocol.js';
import type { ParameterServerHandlers } from '../shared/proto-types/signps/v1/ParameterServer.js';
import type { ContributionChunk__Output } from '../shared/proto-types/signps/v1/ContributionChunk.js';
import type { AttendRequest__Output } from '../shared/proto-types/signps/v1/AttendRequest.js';
import type { Notice } from '../shared/proto-types/signps/v1/Notice.js';
import { writeWithBackpressure } from '../shared/stream-writer.js';
import type { ChunkAssembler } from '../shared/codec/chunks.js';
import { grpcError } from './grpc-error.js';
import { RunFullError, type Membership } from './membership.js';
import type { ParameterStore } from './parameter-store.js';
import { OutOfStepError, RefusedContributionError, type RoundCoordinator } from './round-coordinator.js';
import type { TrafficCounter } from './traffic.js';

export interface ServiceDeps {
  config: RunConfig;
  membership: Membership;
  coordinator: RoundCoordinator;
  store: ParameterStore;
  traffic: TrafficCounter;
  sessions: Sessions;
  log: Logger;
}

/** Workers' open Attend streams, by worker id: the server's way to tell them to stop. */
export type Sessions = Map<number, grpc.ServerWritableStream<AttendRequest__Output, Notice>>;

/** A worker that joined but opened no Attend stream in this time is dropped and its shard freed. */
const ATTEND_WITHIN_MS = 15_000;

export function createHandlers(deps: ServiceDeps): ParameterServerHandlers {
  const { config, membership, coordinator, store, traffic, sessions, log } = deps;

  const leave = (workerId: number, why: string) => {
    const member = membership.leave(workerId);
    if (!member) return;
    coordinator.removeParticipant(workerId);
    if (!coordinator.done) log.warn({ workerId, shard: member.shardIndex }, `worker ${workerId} left (${why}); shard ${member.shardIndex} is free`);
  };

  return {
    Join(call, callback) {
      const { protocolVersion, workerName } = call.request;
      if (protocolVersion !== PROTOCOL_VERSION) {
        log.warn({ workerName, protocolVersion }, 'refused a worker speaking another protocol version');
        return callback(
          grpcError(
            grpc.status.FAILED_PRECONDITION,
            `worker speaks protocol v${protocolVersion}, server speaks v${PROTOCOL_VERSION}; run the same signps version on both`,
          ),
        );
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
          if (membership.get(member.workerId)?.attending === false) leave(member.workerId, 'it never opened its Attend stream');
        }, ATTEND_WITHIN_MS).unref();
      } catch (error) {
        const code = error instanceof RunFullError ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.INTERNAL;
        callback(refusal(error, code, log));
      }
    },

    FetchParameters(call) {
      if (!membership.get(call.request.workerId)) {
        return call.emit('error', grpcError(grpc.status.NOT_FOUND, `worker ${call.request.workerId} has not joined; join first`));
      }
      // A worker that fell behind (a missed deadline, a server restart) is back in step from this round on.
      coordinator.addParticipant(call.request.workerId);
      // Parameters and round as of the server's step, so a worker fetching meanwhile starts at the next round.
      coordinator
        .stepTaken()
        .then(() => {
          const round = store.round;
          const chunks = [...splitIntoChunks(store.snapshot(), config.chunkBytes)].map((c) => ({ round, ...c }));
          return writeWithBackpressure(call, chunks);
        })
        .then(
          () => call.end(),
          (error: Error) => log.warn({ err: error.message }, 'parameter stream broke off'),
        );
    },

    PushContribution(call, callback) {
      let assembler: ChunkAssembler | undefined;
      let first: ContributionChunk__Output | undefined;
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        const code =
          first && !membership.get(first.workerId)
            ? grpc.status.NOT_FOUND
            : error instanceof OutOfStepError
              ? grpc.status.FAILED_PRECONDITION
              : error instanceof RefusedContributionError
                ? grpc.status.OUT_OF_RANGE
                : grpc.status.INVALID_ARGUMENT;
        callback(refusal(error, code, log, first?.workerId));
      };
      call.on('data', (chunk: ContributionChunk__Output) => {
        if (failed) return;
        try {
          if (!first) {
            first = chunk;
            assembler = coordinator.openContribution(chunk.workerId, chunk.round, chunk.phase);
          } else if (chunk.workerId !== first.workerId || chunk.round !== first.round || chunk.phase !== first.phase) {
            throw new ProtocolError('a contribution stream must carry one worker, one round and one phase');
          }
          assembler!.accept({ offset: chunk.offset, totalBytes: chunk.totalBytes, data: chunk.data });
          traffic.countUplink(chunk.data.byteLength);
        } catch (error) {
          fail(error);
        }
      });
      call.on('end', () => {
        if (failed) return;
        if (!first || !assembler?.complete) {
          return fail(
            new ProtocolError(
              `contribution ended after ${assembler?.bytesReceived ?? 0} bytes; the whole payload is required`,
            ),
          );
        }
        try {
          coordinator.commitContribution(first.workerId, first.round, first.phase, first.loss);
        } catch (error) {
          return fail(error);
        }
        callback(null, { accepted: true });
      });
      call.on('error', (error) => log.debug({ err: error.message }, 'contribution stream error'));
    },

    Attend(call) {
      const { workerId } = call.request;
      const member = membership.get(workerId);
      if (!member) return call.emit('error', grpcError(grpc.status.NOT_FOUND, `worker ${workerId} has not joined; join first`));
      member.attending = true;
      sessions.set(workerId, call);
      const gone = () => {
        if (sessions.get(workerId) !== call) return;
        sessions.delete(workerId);
        leave(workerId, 'its connection closed');
      };
      call.on('cancelled', gone);
      call.on('error', gone);
      call.on('close', gone);
    },

    PullUpdate(call) {
      const { workerId, round, phase } = call.request;
      if (!membership.get(workerId)) {
        return call.emit('error', grpcError(grpc.status.NOT_FOUND, `worker ${workerId} has not joined; join first`));
      }
      coordinator
        .waitForUpdate(round, phase)
        .then(async (update) => {
          const chunks = [...splitIntoChunks(update.payload, config.chunkBytes)];
          const messages = chunks.map((chunk, index) => ({
            round,
            ...chunk,
            contributors: update.contributors,
            phase: update.phase,
            rejected: update.rejected,
            ...(index === chunks.length - 1 ? { parameterHash: update.hash, stop: update.stop } : {}),
          }));
          await writeWithBackpressure(call, messages);
          for (const chunk of chunks) traffic.countDownlink(chunk.data.byteLength);
          call.end();
          coordinator.updateDelivered(workerId, update);
        })
        .catch((error: unknown) => {
          if (!call.destroyed) call.emit('error', refusal(error, grpc.status.FAILED_PRECONDITION, log, workerId));
        });
    },
  };
}


/** A status for the caller: the message of a user-facing error as it is, anything else as an internal error. */
function refusal(error: unknown, code: grpc.status, log: Logger, workerId?: number): grpc.ServiceError {
  if (error instanceof UserFacingError) {
    log.warn({ workerId, reason: error.message }, 'refused a request');
    return grpcError(code, error.message);
  }
  log.error({ err: error, workerId }, 'internal error while serving a request');
  return grpcError(grpc.status.INTERNAL, 'internal server error; see the server log');
}
