// A shard server's side of RegisterShard: register with the primary (retrying with backoff while it is not up
// yet), wait for the assignment and, for a fresh run, the initial slice; then hold the stream open, which is how
// the primary tells this server to stop and how each side learns at once that the other is gone.
import * as grpc from '@grpc/grpc-js';
import { formatAddress } from '../shared/address.js';
import { ChunkAssembler } from '../shared/codec/chunks.js';
import { ConnectionError, ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { CHANNEL_OPTIONS, loadProtocol, NOT_READY_METADATA, PROTOCOL_VERSION } from '../shared/protocol.js';
import type { ShardNotice__Output } from '../shared/proto-types/signps/v1/ShardNotice.js';
import type { ShardAssignment__Output } from '../shared/proto-types/signps/v1/ShardAssignment.js';
import { channelCredentials, loadToken, tokenMetadata } from '../shared/security.js';
import type { Address } from '../shared/address.js';
import type { SecurityFlags } from '../shared/security.js';

/** How long a shard server keeps trying to reach its primary. */
const REGISTER_TIMEOUT_MS = 60_000;

export interface Registration {
  assignment: ShardAssignment__Output;
  /** A fresh run's initial slice, streamed after the assignment. */
  initialSlice(count: number): Promise<Float32Array>;
  /**
   * Resolves when the primary says stop (told), or pause (told, paused: register again to roll back to a
   * checkpoint), or the stream breaks (not told).
   */
  stopped: Promise<Ended>;
  close(): void;
}

export interface Ended {
  told: boolean;
  paused?: boolean;
  message: string;
}

/** The primary said stop before it sent an assignment (it gave up waiting for a lost shard server). */
export class StoppedByPrimaryError extends ProtocolError {}

/** Registers with the primary, retrying with backoff while it is not there yet, and waits for the assignment. */
export async function registerWithPrimary(
  options: { primary: Address; security: SecurityFlags; out: string }, advertise: string, runId: string, shardIndex: number, checkpointRounds: number[], log: Logger,
): Promise<Registration> {
  const Client = loadProtocol().signps.v1.ParameterServer;
  const address = formatAddress(options.primary);
  const client = new Client(address, channelCredentials(options.security), CHANNEL_OPTIONS);
  const metadata = tokenMetadata(loadToken(options.security));
  const giveUpAt = Date.now() + REGISTER_TIMEOUT_MS;
  for (let attempt = 1, backoffMs = 250; ; attempt++, backoffMs = Math.min(backoffMs * 2, 5_000)) {
    const stream = client.registerShard({ protocolVersion: PROTOCOL_VERSION, advertise, runId, shardIndex, checkpointRounds, out: options.out }, metadata);
    const notices: ShardNotice__Output[] = [];
    let wake: () => void = () => undefined;
    let ended: Ended | undefined;
    let streamError: grpc.ServiceError | undefined;
    let resolveStopped!: (value: Ended) => void;
    const stopped = new Promise<Ended>((resolve) => (resolveStopped = resolve));
    const finish = (value: Ended) => {
      ended ??= value;
      resolveStopped(ended);
      wake();
    };
    stream.on('data', (notice: ShardNotice__Output) => {
      if (notice.kind === 'stop' || notice.kind === 'pause') finish({ told: true, paused: notice.kind === 'pause', message: notice.message });
      else notices.push(notice);
      wake();
    });
    stream.on('error', (error: grpc.ServiceError) => {
      streamError = error;
      finish({ told: false, message: error.details });
    });
    stream.on('end', () => finish({ told: false, message: 'stream ended' }));
    const next = async (): Promise<ShardNotice__Output | undefined> => {
      while (notices.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      return notices.shift();
    };
    const first = await next();
    if (first?.kind === 'assign' && first.assignment?.config) {
      return {
        assignment: first.assignment,
        stopped,
        close: () => {
          stream.cancel();
          client.close();
        },
        async initialSlice(count: number) {
          const parameters = new Float32Array(count);
          const bytes = new Uint8Array(parameters.buffer);
          const assembler = new ChunkAssembler(bytes, bytes.byteLength, 'initial parameters from the primary');
          while (!assembler.complete) {
            const notice = await next();
            if (!notice?.parameters) throw new ProtocolError('the primary stopped sending the initial parameters; start the shard server again');
            assembler.accept(notice.parameters);
          }
          return parameters;
        },
      };
    }
    stream.cancel();
    if (ended?.told && !ended.paused) {
      client.close();
      throw new StoppedByPrimaryError(`the primary stopped the run before assigning this shard server a range: ${ended.message}`);
    }
    const code = streamError?.code;
    if (code !== grpc.status.UNAVAILABLE && code !== grpc.status.DEADLINE_EXCEEDED) {
      client.close();
      if (streamError) throw new ProtocolError(`the primary at ${address} refused this shard server: ${streamError.details}`);
      throw new ProtocolError(`the primary at ${address} ended the registration without an assignment (${ended?.message ?? 'no reason'})`);
    }
    if (Date.now() + backoffMs > giveUpAt) {
      client.close();
      throw new ConnectionError(`no signps primary answered at ${address} within ${REGISTER_TIMEOUT_MS / 1000} s; start it first (signps server --servers S) or check --join`);
    }
    const why = streamError?.code === grpc.status.UNAVAILABLE && streamError.metadata?.get(NOT_READY_METADATA).length ? streamError.details : undefined;
    log.warn({ attempt, retryInMs: backoffMs, reason: why }, `primary ${address} ${why ? `not ready (${why})` : 'not reachable yet'}; retrying in ${(backoffMs / 1000).toFixed(1)} s`);
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
  }
}
