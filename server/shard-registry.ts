// The primary's book of shard servers (a sharded run, `signps server --servers S`): which shard index each
// registered server got, where workers reach it, which checkpoints it holds, and its open RegisterShard stream.
// The run starts once all S − 1 have registered; a shard server's stream breaking is how the primary learns at
// once that the shard is gone. Then `regroup` pauses the others (they register again, as resuming shards do) and
// the book waits for all S − 1 once more: the lost one restarted with --resume, and the live ones with the rounds
// they hold checkpoints of now, so the primary can roll every server back to one round. Index 0 is the primary
// itself and never registers.
import type * as grpc from '@grpc/grpc-js';
import type { CoordinateRange } from '../shared/codec/payload-slice.js';
import { splitIntoChunks } from '../shared/codec/chunks.js';
import { PROTOCOL_VERSION, type RunConfig } from '../shared/protocol.js';
import { RunFullError, ShardsNotReadyError, VersionMismatchError, WrongServerRoleError } from '../shared/protocol-errors.js';
import type { RegisterShardRequest__Output } from '../shared/proto-types/signps/v1/RegisterShardRequest.js';
import type { ShardNotice } from '../shared/proto-types/signps/v1/ShardNotice.js';
import type { ShardAddress } from '../shared/proto-types/signps/v1/ShardAddress.js';
import { writeWithBackpressure } from '../shared/stream-writer.js';

export type ShardStream = grpc.ServerWritableStream<RegisterShardRequest__Output, ShardNotice>;

export interface RegisteredShard {
  index: number;
  address: string;
  /** Its run directory on its own machine (--out), for the line that says how to restart it. */
  out: string;
  checkpointRounds: number[];
  stream: ShardStream;
}

/** What every shard's assignment shares (the rest is its own index and range). */
export interface RunTerms {
  config: RunConfig;
  runId: string;
  membershipKey: Buffer;
  evalEvery: number;
  checkpointEvery: number;
  quorum: number;
  roundTimeoutMs: number;
}

export class ShardRegistry {
  private readonly slots: Array<RegisteredShard | undefined>;
  private started = false;
  private resolveAll!: (shards: RegisteredShard[]) => void;
  private everyone = new Promise<RegisteredShard[]>((resolve) => (this.resolveAll = resolve));

  constructor(
    readonly ranges: CoordinateRange[],
    private readonly runId: string,
    /** The primary resumes a run (or regroups after a lost shard): only that run's shard servers, resuming too, may register. */
    private resuming: boolean,
    private readonly onLost: (shard: RegisteredShard) => void,
  ) {
    this.slots = new Array<RegisteredShard | undefined>(ranges.length).fill(undefined);
  }

  get expected(): number {
    return this.ranges.length - 1;
  }

  get registered(): number {
    return this.slots.filter(Boolean).length;
  }

  get complete(): boolean {
    return this.registered === this.expected;
  }

  /** Resolves once every shard server has registered (again, after `regroup`). */
  allRegistered(): Promise<RegisteredShard[]> {
    return this.everyone;
  }

  /** Takes a shard server in, or refuses it with a line that says why; returns its registration. */
  register(request: RegisterShardRequest__Output, stream: ShardStream): RegisteredShard {
    if (request.protocolVersion !== PROTOCOL_VERSION) {
      throw new VersionMismatchError(`shard server speaks protocol v${request.protocolVersion}, the primary v${PROTOCOL_VERSION}; run the same signps version on both`);
    }
    const previous = request.runId === this.runId && this.started ? this.slots[request.shardIndex] : undefined;
    if (previous) {
      // That shard's server was restarted with --resume before its old stream broke here (its machine went down
      // without closing the connection): the old one is lost. It retries (UNAVAILABLE) and is taken in the pause.
      this.slots[request.shardIndex] = undefined;
      this.onLost(previous);
      throw new ShardsNotReadyError(`shard ${request.shardIndex} of run ${this.runId} is being replaced; registering again shortly`);
    }
    if (this.resuming && request.runId !== this.runId) {
      throw new WrongServerRoleError(
        request.runId
          ? `this shard server's directory belongs to run ${request.runId}, the primary resumes run ${this.runId}; give it its own run's --out`
          : `the primary resumes run ${this.runId}; start its shard servers with --resume and their own --out of that run`,
      );
    }
    if (!this.resuming && request.runId) {
      throw new WrongServerRoleError(
        `this shard server resumes run ${request.runId}, but the primary starts a new run (${this.runId}); start the shard without --resume (and a new --out), or resume the primary`,
      );
    }
    if (this.started || this.complete) {
      throw new RunFullError(`run ${this.runId} already has its ${this.expected} shard servers; start the primary with a larger --servers`);
    }
    const wanted = this.resuming ? request.shardIndex : this.slots.findIndex((slot, index) => index > 0 && !slot);
    if (wanted < 1 || wanted >= this.slots.length || this.slots[wanted]) {
      throw new WrongServerRoleError(`shard ${wanted} of run ${this.runId} is ${this.slots[wanted] ? 'already registered' : 'not part of this run'}; each shard server needs its own --out`);
    }
    const shard = { index: wanted, address: request.advertise, out: request.out, checkpointRounds: [...request.checkpointRounds], stream };
    this.slots[wanted] = shard;
    const gone = () => {
      if (this.slots[wanted] !== shard) return;
      this.slots[wanted] = undefined;
      if (this.started) this.onLost(shard);
    };
    stream.on('cancelled', gone);
    stream.on('error', gone);
    stream.on('close', gone);
    if (this.complete) this.resolveAll(this.shards());
    return shard;
  }

  shards(): RegisteredShard[] {
    return this.slots.filter((slot): slot is RegisteredShard => slot !== undefined);
  }

  /**
   * Sends each shard its assignment (and, for a fresh run, its slice of the initial parameters) and marks the run
   * started: from now on a lost shard stops the run.
   */
  async assign(terms: RunTerms, resumeRound: number | undefined, initial: Float32Array | undefined): Promise<void> {
    this.started = true;
    await Promise.all(this.shards().map(async (shard) => {
      const range = this.ranges[shard.index];
      const notices: ShardNotice[] = [{
        kind: 'assign',
        assignment: {
          shardIndex: shard.index, shardCount: this.ranges.length, firstCoordinate: range.first, coordinateCount: range.count,
          config: terms.config, runId: terms.runId, membershipKey: terms.membershipKey, evalEvery: terms.evalEvery,
          checkpointEvery: terms.checkpointEvery, resumed: resumeRound !== undefined, resumeRound: resumeRound ?? 0,
          quorum: terms.quorum, roundTimeoutSeconds: terms.roundTimeoutMs / 1000,
        },
      }];
      if (initial) {
        const slice = initial.subarray(range.first, range.first + range.count);
        const bytes = new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength);
        for (const chunk of splitIntoChunks(bytes, terms.config.chunkBytes)) notices.push({ kind: 'parameters', parameters: { round: 0, ...chunk } });
      }
      await writeWithBackpressure(shard.stream, notices);
    }));
  }

  /** The map workers get at Join: the primary's own range (empty address), then every shard server's. */
  shardMap(): ShardAddress[] {
    return this.ranges.map((range, index) => ({ address: index === 0 ? '' : this.slots[index]?.address ?? '', firstCoordinate: range.first, coordinateCount: range.count }));
  }

  /**
   * A shard server is gone and the run goes on without restarting the others: each live one is told to pause and
   * register again (ending its stream), and the book waits for all S − 1 to register as resuming shards of this run.
   */
  regroup(message: string): void {
    this.started = false;
    this.resuming = true;
    this.everyone = new Promise<RegisteredShard[]>((resolve) => (this.resolveAll = resolve));
    const live = this.shards();
    this.slots.fill(undefined);
    for (const shard of live) {
      if (shard.stream.destroyed) continue;
      shard.stream.write({ kind: 'pause', message });
      shard.stream.end();
    }
  }

  /** Tells every shard server to stop (the run is over, or cannot go on) and closes the streams. */
  stopAll(message: string): void {
    this.started = false;
    for (const shard of this.shards()) {
      if (shard.stream.destroyed) continue;
      shard.stream.write({ kind: 'stop', message });
      shard.stream.end();
    }
  }
}
