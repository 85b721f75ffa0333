// The worker's view of the run's servers: one server, or a sharded run's S servers, each over a coordinate range
// (the Join reply's shard map). Four calls, as in ps-lite's worker: fetch the parameters, push a contribution,
// pull the update, and attend. A sharded push sends each server its slice of the one payload the worker encoded
// for the whole vector (shared/codec/payload-slice.ts), so the compressor's norms, scales, residuals, coins and
// noise are exactly those of one server; every call goes to all servers concurrently, and a pull hands each
// server's update to the caller as it arrives. With one server the range is the whole vector and nothing is cut:
// the same bytes as before sharding.
import type * as grpc from '@grpc/grpc-js';
import { parseAddress } from '../shared/address.js';
import { slicePayload, type CoordinateRange } from '../shared/codec/payload-slice.js';
import { allocatePayload, type WireFormat } from '../shared/codec/wire-format.js';
import type { Logger } from '../shared/logging.js';
import { ContributionRefusedError, OutOfStepError } from '../shared/protocol-errors.js';
import type { SecurityFlags } from '../shared/security.js';
import type { Notice__Output } from '../shared/proto-types/signps/v1/Notice.js';
import { ServerConnection, ServerLostError, type Joined, type PulledUpdate } from './server-connection.js';

export interface ServerShard {
  connection: ServerConnection;
  address: string;
  range: CoordinateRange;
  /** Where this server's update arrives (word-aligned, sized for its range). */
  update: Uint8Array;
  /** Where the worker's payload is cut for this server (none: the range is the whole vector). */
  uplink?: Uint8Array;
  /** Opened for this server (not the connection the worker joined through). */
  ownConnection: boolean;
}

/**
 * How long fetching waits for the servers to agree on the round (they close rounds independently). Longer than
 * the default --round-timeout (30 s): a server that took this worker's contribution while another refused it as
 * late waits for it in its next round until its deadline drops it; then the two agree again. Known gap: that
 * costs up to a round timeout; catching the behind server up with a contribution would not.
 */
const ROUND_AGREEMENT_TRIES = 450;
const ROUND_AGREEMENT_WAIT_MS = 100;

export class ServerShards {
  readonly shards: ServerShard[];

  /**
   * `primary` is the connection the worker joined through; the others open now and carry the same membership
   * secret (derived from the run's key, so every server checks it itself).
   */
  constructor(
    primary: ServerConnection, primaryAddress: string, joined: Joined, private readonly format: { uplink: WireFormat; downlink: WireFormat },
    log: Logger, security?: SecurityFlags,
  ) {
    const { config } = joined;
    const d = config.parameterCount;
    const m = config.workers;
    const map = joined.shards.length > 0 ? joined.shards : [{ address: '', firstCoordinate: 0, coordinateCount: d }];
    this.shards = map.map((entry) => {
      const range = { first: entry.firstCoordinate, count: entry.coordinateCount };
      const whole = range.first === 0 && range.count === d;
      let connection = primary;
      if (entry.address) {
        connection = new ServerConnection(parseAddress(entry.address), log, security);
        connection.useMembership(joined.membershipSecret);
      }
      return {
        connection, address: entry.address || primaryAddress, range,
        update: allocatePayload(format.downlink, range.count, m), ownConnection: connection !== primary,
        uplink: whole ? undefined : allocatePayload(format.uplink, range.count, m),
      };
    });
    this.d = d;
    this.m = m;
  }

  private readonly d: number;
  private readonly m: number;

  get sharded(): boolean {
    return this.shards.length > 1;
  }

  /**
   * Opens the presence stream at every shard server (the caller holds one at the server it joined through), so
   * each sees the worker's death at once.
   */
  attendShards(workerId: number, onStop: (message: string) => void): { cancel(): void } {
    const streams: Array<grpc.ClientReadableStream<Notice__Output>> = this.shards.filter((s) => s.ownConnection).map((s) => s.connection.attend(workerId, onStop));
    return { cancel: () => streams.forEach((stream) => stream.cancel()) };
  }

  /** Fills each server's range of `parameters`; returns the round, once every server is at the same one. */
  async fetchParameters(workerId: number, parameters: Float32Array): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const rounds = await settleAll(this.shards.map((s) => s.connection.fetchParameters(workerId, parameters.subarray(s.range.first, s.range.first + s.range.count))));
      if (rounds.every((round) => round === rounds[0])) return rounds[0];
      if (attempt >= ROUND_AGREEMENT_TRIES) {
        throw new ServerLostError(`the servers stay at different rounds (${rounds.join(', ')}); joining again`);
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_AGREEMENT_WAIT_MS));
    }
  }

  /**
   * Sends each server its slice of `payload` (the whole vector's). A server refusing the contribution (NaN) is
   * reported through `onRefused` and the others go on; any other failure is thrown once every push has settled.
   */
  async push(
    workerId: number, round: number, phase: number, payload: Uint8Array, loss: number, chunkBytes: number,
    time: { computeMs: number; encodeMs: number } | undefined, onRefused: (error: ContributionRefusedError) => void,
    beforeSending?: (shard: number, offset: number) => Promise<void>,
  ): Promise<void> {
    const results = await Promise.allSettled(this.shards.map((s, index) => {
      const slice = phase === 0 && s.uplink ? slicePayload(payload, this.format.uplink, this.d, this.m, s.range, s.uplink) : payload;
      return s.connection.push(workerId, round, phase, slice, loss, chunkBytes, time, beforeSending && ((offset) => beforeSending(index, offset)));
    }));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    for (const refused of failures.filter((e): e is ContributionRefusedError => e instanceof ContributionRefusedError)) onRefused(refused);
    const other = failures.find((e) => !(e instanceof ContributionRefusedError));
    if (other) throw other;
  }

  /**
   * Waits for every server's update of (`round`, `phase`), each written into its shard's `update` buffer;
   * `onProgress(shard, bytes)` hears each server's bytes as they arrive; `abandon` cancels every call. Throws once
   * all have settled.
   */
  pull(
    workerId: number, round: number, phase: number, expectedBytes: (shard: ServerShard) => number,
    onProgress?: (shard: number, bytes: number) => void, abandon?: AbortSignal,
  ): Promise<PulledUpdate[]> {
    return settleAll(this.shards.map((s, index) =>
      s.connection.pull(
        workerId, round, phase, phase === 0 ? s.update : new Uint8Array(0), phase === 0 ? expectedBytes(s) : 0,
        onProgress && ((bytes) => onProgress(index, bytes)), abandon,
      ),
    ));
  }

  /** Closes the connections opened for the shard servers (the caller keeps the one it joined through). */
  close(): void {
    for (const s of this.shards) if (s.ownConnection) s.connection.close();
  }
}

/** Like Promise.all, but throws only once every promise has settled (no call still writes into a buffer). */
async function settleAll<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    // A lost server (join again) outranks an out-of-step refusal (fetch everything again).
    const serious = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof OutOfStepError));
    throw (serious ?? failure).reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
