// The primary's view of the whole parameter vector in a sharded run: its own slice plus each shard server's,
// fetched (FetchSlice) after the rounds it evaluates and the last. The shards keep a copy of those rounds only
// (slice-snapshots.ts), so evaluation costs the primary's link 4d bytes per evaluation, nothing per round.
import * as grpc from '@grpc/grpc-js';
import { ChunkAssembler } from '../shared/codec/chunks.js';
import type { CoordinateRange } from '../shared/codec/payload-slice.js';
import { ConnectionError } from '../shared/errors.js';
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

  close(): void {
    for (const { client } of this.clients) client.close();
  }
}
