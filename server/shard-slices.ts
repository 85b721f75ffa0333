// The primary's view of the whole parameter vector in a sharded run: its own slice plus each shard server's,
// fetched (FetchSlice) after the rounds it evaluates and the last: put together (gather) for an evaluation that
// needs the whole model, or visited piece by piece in coordinate order (visitInOrder) for the summary's hash and
// an evaluation that is one pass over the coordinates. The shards keep a copy of those rounds only
// (slice-snapshots.ts), so evaluation costs the primary's link 4d bytes per evaluation, nothing per round.
import * as grpc from '@grpc/grpc-js';
import { ChunkAssembler } from '../shared/codec/chunks.js';
import type { CoordinateRange } from '../shared/codec/payload-slice.js';
import { ConnectionError, ProtocolError } from '../shared/errors.js';
import { membershipSecret, PRIMARY_MEMBER_ID, withMembershipSecret } from '../shared/membership-secret.js';
import { CHANNEL_OPTIONS, loadProtocol } from '../shared/protocol.js';
import type { ParameterChunk__Output } from '../shared/proto-types/signps/v1/ParameterChunk.js';
import type { ParameterServerClient } from '../shared/proto-types/signps/v1/ParameterServer.js';
import { channelCredentials, loadToken, tokenMetadata, type SecurityFlags } from '../shared/security.js';

/** A shard server's payload bytes, as its latest slice reported them. */
export interface ShardTraffic {
  address: string;
  uplinkBytes: number;
  downlinkBytes: number;
}

/** The pieces visitInOrder hands on (a multiple of 4 bytes; chunks may be cut anywhere). */
const PIECE_BYTES = 1 << 20;

/** A slice's chunk must continue where the last one ended and agree on the total (as ChunkAssembler checks). */
function checkChunk(chunk: ParameterChunk__Output, received: number, expected: number, address: string): void {
  const what = `slice of shard server ${address}`;
  if (chunk.totalBytes !== expected) throw new ProtocolError(`${what}: payload of ${chunk.totalBytes} bytes, expected ${expected}`);
  if (chunk.offset !== received) throw new ProtocolError(`${what}: chunk at byte ${chunk.offset}, expected byte ${received} (chunks missing or out of order)`);
  if (received + chunk.data.byteLength > expected) throw new ProtocolError(`${what}: chunk runs past the declared ${expected} bytes`);
}

export class ShardSlices {
  /** Each shard server's bytes as of the latest slice fetched from it. */
  readonly traffic: ShardTraffic[];
  private readonly clients: Array<{ range: CoordinateRange; address: string; client: ParameterServerClient }>;
  private readonly metadata: grpc.Metadata;

  constructor(shards: Array<{ address: string; range: CoordinateRange }>, membershipKey: Buffer, security: SecurityFlags) {
    const Client = loadProtocol().signps.v1.ParameterServer;
    const credentials = channelCredentials(security);
    this.clients = shards.map(({ address, range }) => ({ address, range, client: new Client(address, credentials, CHANNEL_OPTIONS) }));
    this.traffic = shards.map(({ address }) => ({ address, uplinkBytes: 0, downlinkBytes: 0 }));
    this.metadata = withMembershipSecret(tokenMetadata(loadToken(security)), membershipSecret(membershipKey, PRIMARY_MEMBER_ID));
  }

  /** The whole vector after round `round`: `own` (the primary's slice, as of now) and every shard's, once it has closed that round. */
  async gather(round: number, d: number, ownRange: CoordinateRange, own: Float32Array): Promise<Float32Array> {
    const whole = new Float32Array(d);
    whole.set(own, ownRange.first);
    await Promise.all(this.clients.map(({ range, address, client }, shard) => {
      const bytes = new Uint8Array(whole.buffer, 4 * range.first, 4 * range.count);
      const assembler = new ChunkAssembler(bytes, bytes.byteLength, `slice of shard server ${address}`);
      return new Promise<void>((resolve, reject) => {
        const stream = client.fetchSlice({ round }, this.metadata);
        stream.on('data', (chunk: ParameterChunk__Output) => {
          try {
            assembler.accept(chunk);
            if (assembler.complete) Object.assign(this.traffic[shard], { uplinkBytes: chunk.uplinkBytes, downlinkBytes: chunk.downlinkBytes });
          } catch (error) {
            stream.cancel();
            reject(error);
          }
        });
        stream.on('error', (error: grpc.ServiceError) => reject(new ConnectionError(`cannot fetch the slice of round ${round + 1} from shard server ${address}: ${error.details}`)));
        stream.on('end', () => (assembler.complete ? resolve() : reject(new ConnectionError(`the slice from shard server ${address} ended early`))));
      });
    }));
    return whole;
  }

  /**
   * The whole vector after round `round`, piece by piece in coordinate order, never put together: `visit` is
   * called with `own` (the primary's slice, range 0, as of now) before this returns, then with each shard
   * server's slice as it arrives, in pieces of at most PIECE_BYTES, one shard after another. Memory: one piece,
   * where gather holds the whole vector (4d bytes); time: the shards' slices arrive in turn, not together.
   */
  async visitInOrder(round: number, own: Float32Array, visit: (values: Float32Array) => void): Promise<void> {
    visit(own);
    const piece = new Uint8Array(PIECE_BYTES);
    const ordered = this.clients.map((client, shard) => ({ ...client, shard })).sort((a, b) => a.range.first - b.range.first);
    for (const { range, address, client, shard } of ordered) {
      const expected = 4 * range.count;
      let received = 0;
      let filled = 0;
      const flush = () => {
        visit(new Float32Array(piece.buffer, 0, filled / 4));
        filled = 0;
      };
      await new Promise<void>((resolve, reject) => {
        const stream = client.fetchSlice({ round }, this.metadata);
        stream.on('data', (chunk: ParameterChunk__Output) => {
          try {
            checkChunk(chunk, received, expected, address);
            for (let at = 0; at < chunk.data.byteLength;) {
              const n = Math.min(PIECE_BYTES - filled, chunk.data.byteLength - at);
              piece.set(chunk.data.subarray(at, at + n), filled);
              filled += n;
              at += n;
              if (filled === PIECE_BYTES) flush();
            }
            received += chunk.data.byteLength;
            if (received === expected) {
              if (filled > 0) flush();
              Object.assign(this.traffic[shard], { uplinkBytes: chunk.uplinkBytes, downlinkBytes: chunk.downlinkBytes });
            }
          } catch (error) {
            stream.cancel();
            reject(error);
          }
        });
        stream.on('error', (error: grpc.ServiceError) => reject(new ConnectionError(`cannot fetch the slice of round ${round + 1} from shard server ${address}: ${error.details}`)));
        stream.on('end', () => (received === expected ? resolve() : reject(new ConnectionError(`the slice from shard server ${address} ended early`))));
      });
    }
  }

  close(): void {
    for (const { client } of this.clients) client.close();
  }
}
