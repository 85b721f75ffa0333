// An outside gRPC client built from proto/signps.proto, driven by hand: it joins like a worker and then sends
// whatever a test wants (honest, malformed, forged), so the server's own checks are what is tested.
import * as grpc from '@grpc/grpc-js';
import { withMembershipSecret } from '../../shared/membership-secret.js';
import { CHANNEL_OPTIONS, loadProtocol, PROTOCOL_VERSION } from '../../shared/protocol.js';
import type { ContributionChunk } from '../../shared/proto-types/signps/v1/ContributionChunk.js';
import type { ParameterServerClient } from '../../shared/proto-types/signps/v1/ParameterServer.js';
import type { UpdateChunk__Output } from '../../shared/proto-types/signps/v1/UpdateChunk.js';

export interface Membership {
  workerId: number;
  secret: Buffer;
}

/** What became of a contribution stream: the server's reply, or its refusal. */
export type PushOutcome = { accepted: true } | { accepted: false; error: grpc.ServiceError };

export function outsideClient(port: number): ParameterServerClient {
  const Client = loadProtocol().signps.v1.ParameterServer;
  // Sends what the server would refuse, so the server's own limit is what is tested.
  const options = { ...CHANNEL_OPTIONS, 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
}

/**
 * Joins as a worker does: Join, then FetchParameters, which makes the member a participant of the open round
 * (a member that has not fetched yet is still building its problem, and no round waits for it).
 */
export async function joinAs(client: ParameterServerClient, workerName = 'outsider', protocolVersion = PROTOCOL_VERSION): Promise<Membership> {
  const member = await new Promise<Membership>((resolve, reject) =>
    client.join({ protocolVersion, workerName }, (error, reply) =>
      error || !reply ? reject(error) : resolve({ workerId: reply.workerId, secret: reply.membershipSecret }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    const stream = client.fetchParameters({ workerId: member.workerId }, credentials(member.secret));
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('end', resolve);
  });
  return member;
}

/** Metadata carrying `secret` (none: no membership secret at all). */
export function credentials(secret?: Buffer): grpc.Metadata {
  return secret ? withMembershipSecret(new grpc.Metadata(), secret) : new grpc.Metadata();
}

/** A contribution stream left open: write chunks when the test says, end it, and read what the server answered. */
export function openPush(client: ParameterServerClient, secret?: Buffer) {
  let settle!: (outcome: PushOutcome) => void;
  const outcome = new Promise<PushOutcome>((resolve) => (settle = resolve));
  const call = client.pushContribution(credentials(secret), (error, reply) =>
    settle(error ? { accepted: false, error } : { accepted: reply?.accepted === true } as PushOutcome),
  );
  return {
    write: (chunk: ContributionChunk) => call.write(chunk),
    end: () => call.end(),
    outcome,
  };
}

/** Streams the chunks as given, ends the stream, and says what the server answered. */
export function push(client: ParameterServerClient, secret: Buffer | undefined, chunks: ContributionChunk[]): Promise<PushOutcome> {
  const stream = openPush(client, secret);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream.outcome;
}

/** The whole update of (`round`, `phase`) and its last chunk, or the server's refusal. */
export function pull(
  client: ParameterServerClient, member: Membership, round: number, phase = 0,
): Promise<{ payload: Buffer; last: UpdateChunk__Output }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let last: UpdateChunk__Output | undefined;
    const stream = client.pullUpdate({ workerId: member.workerId, round, phase }, credentials(member.secret));
    stream.on('data', (chunk: UpdateChunk__Output) => {
      parts.push(chunk.data);
      last = chunk;
    });
    stream.on('error', reject);
    stream.on('end', () => (last ? resolve({ payload: Buffer.concat(parts), last }) : reject(new Error('an update stream with no chunk'))));
  });
}

/** Resolves with the status a server stream ends with, or undefined if none comes within `withinMs` (it is left open). */
export function refusalOf(stream: grpc.ClientReadableStream<unknown>, withinMs: number): Promise<grpc.ServiceError | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), withinMs);
    stream.on('data', () => undefined);
    stream.on('error', (error: grpc.ServiceError) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

/** Little-endian float32 bytes, as a float payload travels. */
export function f32(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

export function floats(payload: Buffer): number[] {
  return [...new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength))];
}
