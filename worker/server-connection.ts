// The worker's side of the protocol: join (retrying with backoff while the server is not there yet),
// fetch parameters, push a contribution, pull an update. Every call after Join carries the membership secret
// the Join reply gave (shared/membership-secret.ts). Every refusal becomes a user-facing error carrying the
// server's own explanation.
import * as grpc from '@grpc/grpc-js';
import { wrongServer } from './join-failure.js';
import { ChunkAssembler, splitIntoChunks } from '../shared/codec/chunks.js';
import { ConnectionError, ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { formatAddress, type Address } from '../shared/address.js';
import { CHANNEL_OPTIONS, loadProtocol, NOT_READY_METADATA, PROTOCOL_VERSION } from '../shared/protocol.js';
import type { JoinReply__Output } from '../shared/proto-types/signps/v1/JoinReply.js';
import type { ParameterServerClient } from '../shared/proto-types/signps/v1/ParameterServer.js';
import type { ContributionChunk } from '../shared/proto-types/signps/v1/ContributionChunk.js';
import type { UpdateChunk__Output } from '../shared/proto-types/signps/v1/UpdateChunk.js';
import type { ParameterChunk__Output } from '../shared/proto-types/signps/v1/ParameterChunk.js';
import type { Notice__Output } from '../shared/proto-types/signps/v1/Notice.js';
import { refusalFromStatus } from '../shared/protocol-errors.js';
import { writeWithBackpressure } from '../shared/stream-writer.js';
import { channelCredentials, loadToken, tokenMetadata, type SecurityFlags } from '../shared/security.js';
import { withMembershipSecret } from '../shared/membership-secret.js';

/** The server went away (crash, restart, network): join again once it is back. */
export class ServerLostError extends ConnectionError {}

export interface Joined {
  workerId: number;
  shardIndex: number;
  config: NonNullable<JoinReply__Output['config']>;
  membershipSecret: Buffer;
  /** A sharded run's server map (JoinReply.shards); empty with one server. */
  shards: JoinReply__Output['shards'];
}

export interface PulledUpdate {
  parameterHash?: Buffer;
  stop: boolean;
  contributors: number;
  /** The safeguard refused the candidate step. */
  rejected: boolean;
  /** The server published it range by range while the uploads arrived (a pipelined round). */
  pipelined: boolean;
}

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
const JOIN_ATTEMPT_TIMEOUT_MS = 5_000;

export class ServerConnection {
  private readonly client: ParameterServerClient;
  private readonly address: string;

  private readonly metadata: grpc.Metadata;
  /** The token and the latest Join's membership secret: what every call after Join carries. */
  private memberMetadata = new grpc.Metadata();

  constructor(address: Address, private readonly log: Logger, security: SecurityFlags = {}) {
    this.address = formatAddress(address);
    this.metadata = tokenMetadata(loadToken(security));
    const Client = loadProtocol().signps.v1.ParameterServer;
    this.client = new Client(this.address, channelCredentials(security), CHANNEL_OPTIONS);
  }

  close(): void {
    this.client.close();
  }

  /**
   * Joins the run, retrying with exponential backoff until no server has answered for `connectTimeoutMs`. A server
   * that answers "not ready" (a sharded run starting, or paused for a lost shard server) is there: the wait goes on.
   */
  async join(workerName: string, connectTimeoutMs: number): Promise<Joined> {
    let giveUpAt = Date.now() + connectTimeoutMs;
    for (let attempt = 1, backoffMs = 250; ; attempt++, backoffMs = Math.min(backoffMs * 2, 5_000)) {
      try {
        const reply = await new Promise<JoinReply__Output>((resolve, reject) =>
          this.client.join(
            { protocolVersion: PROTOCOL_VERSION, workerName },
            this.metadata,
            { deadline: Date.now() + JOIN_ATTEMPT_TIMEOUT_MS },
            (error, response) => (error || !response ? reject(error) : resolve(response)),
          ),
        );
        if (!reply.config) throw new ProtocolError('the server sent no run configuration; is it a signps server?');
        this.useMembership(reply.membershipSecret);
        return { workerId: reply.workerId, shardIndex: reply.shardIndex, config: reply.config, membershipSecret: reply.membershipSecret, shards: reply.shards };
      } catch (error) {
        const code = (error as grpc.ServiceError).code;
        const wrong = wrongServer(error, this.address);
        if (wrong) throw wrong;
        if (!RETRYABLE.has(code)) throw this.explain(error, 'join');
        const notReady = ((error as grpc.ServiceError).metadata?.get(NOT_READY_METADATA).length ?? 0) > 0;
        // The timeout counts from the next attempt after a server last answered.
        if (notReady) giveUpAt = Date.now() + backoffMs + connectTimeoutMs;
        else if (Date.now() + backoffMs > giveUpAt) {
          throw new ConnectionError(
            `no signps server answered at ${this.address} within ${Math.round(connectTimeoutMs / 1000)} s; start it first or check --server`,
          );
        }
        const why = (error as grpc.ServiceError).details;
        if (notReady) {
          this.log.info({ attempt, retryInMs: backoffMs, reason: why }, `server ${this.address} is not ready: ${why}`);
        } else {
          this.log.warn({ attempt, retryInMs: backoffMs }, `server ${this.address} not reachable yet; retrying in ${(backoffMs / 1000).toFixed(1)} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  /** Every later call carries this membership secret (from the Join reply; the same at every shard server). */
  useMembership(secret: Uint8Array): void {
    this.memberMetadata = withMembershipSecret(this.metadata, secret);
  }

  /** Opens the worker's presence stream; `onStop` hears the server's stop notice. Cancel it to leave. */
  attend(workerId: number, onStop: (message: string) => void): grpc.ClientReadableStream<Notice__Output> {
    const stream = this.client.attend({ workerId }, this.memberMetadata);
    stream.on('data', (notice: Notice__Output) => {
      if (notice.kind === 'stop') onStop(notice.message);
    });
    // Its end or failure also shows in the calls that matter (push, pull); nothing to do here.
    stream.on('error', () => undefined);
    return stream;
  }

  /** Fills `parameters` with the server's and returns the round they belong to. */
  fetchParameters(workerId: number, parameters: Float32Array): Promise<number> {
    const bytes = new Uint8Array(parameters.buffer, parameters.byteOffset, parameters.byteLength);
    const assembler = new ChunkAssembler(bytes, bytes.byteLength, 'parameters from the server');
    let round = -1;
    return this.readStream(
      this.client.fetchParameters({ workerId }, this.memberMetadata),
      (chunk: ParameterChunk__Output) => {
        round = chunk.round;
        assembler.accept(chunk);
      },
      'fetch parameters',
    ).then(() => {
      if (!assembler.complete) throw new ProtocolError('the parameter stream ended early');
      return round;
    });
  }

  /** `time`: this worker's compute and encoding time for the contribution, reported for the server's time split. */
  async push(
    workerId: number, round: number, phase: number, payload: Uint8Array, loss: number, chunkBytes: number,
    time?: { computeMs: number; encodeMs: number }, beforeSending?: (offset: number) => Promise<void>,
  ): Promise<void> {
    let call: grpc.ClientWritableStream<ContributionChunk> | undefined;
    const reply = new Promise<void>((resolve, reject) => {
      call = this.client.pushContribution(this.memberMetadata, (error, response) => {
        if (error) return reject(this.explain(error, 'push'));
        if (!response?.accepted) return reject(new ProtocolError(`server refused the contribution: ${response?.reason}`));
        resolve();
      });
    });
    const messages = [...splitIntoChunks(payload, chunkBytes)].map((chunk, i) => ({ workerId, round, phase, loss, ...chunk, ...(i === 0 ? time : {}) }));
    const write = async () => {
      for (const message of messages) {
        await beforeSending?.(message.offset);
        await writeWithBackpressure(call!, [message]);
      }
      call!.end();
    };
    await Promise.all([write(), reply]);
  }

  /**
   * Waits for the update of `round` and writes its payload into `destination` (word-aligned, sized for it), calling
   * `onProgress` with the bytes received so far after each chunk (the worker steps on them while the rest arrives).
   * `abandon` cancels the call: no chunk is taken after it fires.
   */
  async pull(
    workerId: number, round: number, phase: number, destination: Uint8Array, expectedBytes: number,
    onProgress?: (receivedBytes: number) => void, abandon?: AbortSignal,
  ): Promise<PulledUpdate> {
    const pulled: PulledUpdate = { stop: false, contributors: 0, rejected: false, pipelined: false };
    const assembler = new ChunkAssembler(destination, expectedBytes, `update of round ${round}`, (bytes) => {
      if (!pulled.rejected) onProgress?.(bytes);
    });
    const call = this.client.pullUpdate({ workerId, round, phase }, this.memberMetadata);
    abandon?.addEventListener('abort', () => call.cancel(), { once: true });
    await this.readStream(
      call,
      (chunk: UpdateChunk__Output) => {
        if (abandon?.aborted) return;
        pulled.rejected ||= chunk.rejected;
        // A round that passed without a step (every contribution refused) comes with no payload.
        if (!(chunk.rejected && chunk.totalBytes === 0)) assembler.accept(chunk);
        if (chunk.parameterHash.byteLength > 0) pulled.parameterHash = chunk.parameterHash;
        pulled.stop ||= chunk.stop;
        pulled.pipelined ||= chunk.pipelined;
        pulled.contributors = chunk.contributors;
      },
      'pull update',
    );
    if (!assembler.complete && !pulled.rejected) throw new ProtocolError(`the update of round ${round} ended early`);
    return pulled;
  }

  private readStream<T>(stream: grpc.ClientReadableStream<T>, onMessage: (message: T) => void, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      stream.on('data', (message: T) => {
        try {
          onMessage(message);
        } catch (error) {
          stream.cancel();
          reject(error);
        }
      });
      stream.on('error', (error) => reject(this.explain(error, what)));
      stream.on('end', () => resolve());
    });
  }

  private explain(error: unknown, what: string): Error {
    const serviceError = error as Partial<grpc.ServiceError>;
    if (serviceError.code === undefined) return error as Error;
    if (RETRYABLE.has(serviceError.code) || serviceError.code === grpc.status.CANCELLED) {
      return new ServerLostError(`lost the server at ${this.address} during ${what}: ${serviceError.details}`);
    }
    return refusalFromStatus(serviceError.code, `server refused ${what}: ${serviceError.details}`);
  }
}
