// Synchronous rounds: collect one contribution per participant, aggregate, apply to the server's copy,
// and publish the encoded update to every worker waiting for it.
import { ChunkAssembler } from '../shared/codec/chunks.js';
import { ProtocolError } from '../shared/errors.js';
import type { Method } from '../shared/methods/method.js';
import type { Aggregator } from '../shared/methods/stages.js';
import { allocatePayload } from '../shared/methods/wire-format.js';
import type { RunConfig } from '../shared/protocol.js';
import type { Diagnose } from './diagnostics.js';
import type { ParameterStore } from './parameter-store.js';

export interface PublishedUpdate {
  round: number;
  payload: Uint8Array;
  contributors: number;
  /** The server's parameter hash after this update, every hash_every rounds. */
  hash?: Buffer;
  stop: boolean;
}

export interface ClosedRound {
  round: number;
  meanLoss: number;
  contributors: number;
  aggregateMs: number;
  diagnostics?: Record<string, number | number[]>;
}

interface Participant {
  slot: Uint8Array;
  loss?: number;
}

export class RoundCoordinator {
  private readonly participants = new Map<number, Participant>();
  private waiters: Array<{ round: number; resolve: (update: PublishedUpdate) => void }> = [];
  private lastUpdate?: PublishedUpdate;
  private readonly finalDeliveries = new Set<number>();
  private resolveFinished!: () => void;
  private resolveLastRoundClosed!: () => void;
  /** Resolves once the last round is closed. */
  readonly lastRoundClosed = new Promise<void>((resolve) => (this.resolveLastRoundClosed = resolve));
  /** Resolves once the last round is closed and every participant has received its update. */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  constructor(
    private readonly config: RunConfig,
    private readonly method: Method,
    private readonly aggregator: Aggregator,
    private readonly store: ParameterStore,
    private readonly onRoundClosed: (closed: ClosedRound) => void,
    private readonly diagnose: Diagnose = () => undefined,
  ) {}

  get round(): number {
    return this.store.round;
  }

  get done(): boolean {
    return this.store.round >= this.config.rounds;
  }

  get participantCount(): number {
    return this.participants.size;
  }

  addParticipant(workerId: number): void {
    const d = this.config.parameterCount;
    this.participants.set(workerId, { slot: allocatePayload(this.method.uplink, d, this.config.workers) });
  }

  /** Where this worker's payload for `round` goes; refuses unknown workers, wrong rounds and duplicates. */
  openContribution(workerId: number, round: number): ChunkAssembler {
    const participant = this.participants.get(workerId);
    if (!participant) throw new ProtocolError(`worker ${workerId} is not part of this run; join first`);
    if (this.done) throw new ProtocolError(`training is over (${this.config.rounds} rounds)`);
    if (round !== this.store.round) {
      throw new ProtocolError(
        `contribution for round ${round}, but round ${this.store.round} is open; fetch the parameters again`,
      );
    }
    if (participant.loss !== undefined) {
      throw new ProtocolError(`worker ${workerId} already contributed to round ${round}`);
    }
    return new ChunkAssembler(participant.slot, this.method.uplinkBytes, `worker ${workerId}, round ${round}`);
  }

  commitContribution(workerId: number, round: number, loss: number): void {
    const participant = this.participants.get(workerId);
    if (!participant || round !== this.store.round) return;
    participant.loss = loss;
    if (this.allContributed()) this.closeRound();
  }

  /** Resolves with the update of `round` once it is closed; the previous round's stays available. */
  waitForUpdate(round: number): Promise<PublishedUpdate> {
    if (this.lastUpdate?.round === round) return Promise.resolve(this.lastUpdate);
    if (round !== this.store.round || this.done) {
      return Promise.reject(
        new ProtocolError(`no update for round ${round} (round ${this.store.round} is open); fetch the parameters again`),
      );
    }
    return new Promise((resolve) => this.waiters.push({ round, resolve }));
  }

  /** Called once an update has been streamed to a worker in full. */
  updateDelivered(workerId: number, update: PublishedUpdate): void {
    if (!update.stop) return;
    this.finalDeliveries.add(workerId);
    if ([...this.participants.keys()].every((id) => this.finalDeliveries.has(id))) this.resolveFinished();
  }

  private allContributed(): boolean {
    if (this.participants.size < this.config.workers) return false;
    for (const participant of this.participants.values()) {
      if (participant.loss === undefined) return false;
    }
    return true;
  }

  private closeRound(): void {
    const round = this.store.round;
    const started = performance.now();
    const ordered = [...this.participants.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
    const contributions = ordered.map((p) => p.slot);
    const downlink = this.aggregator.aggregate(contributions, { round, seed: this.config.seed });
    const shape = { format: this.method.downlink, workers: this.config.workers, contributors: ordered.length };
    this.store.applyRoundUpdate(downlink, shape, this.method.replicaStepSize(round));
    const aggregateMs = performance.now() - started;
    const diagnostics = this.diagnose(contributions, round);

    const losses = ordered.map((p) => p.loss ?? Number.NaN);
    for (const participant of ordered) participant.loss = undefined;

    const hashDue = this.config.hashEvery > 0 && (round + 1) % this.config.hashEvery === 0;
    // A copy: the aggregator reuses its output buffer next round while slow workers may still be reading.
    this.lastUpdate = {
      round,
      payload: downlink.slice(),
      contributors: ordered.length,
      hash: hashDue || this.done ? this.store.hash() : undefined,
      stop: this.done,
    };
    const ready = this.waiters;
    this.waiters = [];
    for (const waiter of ready) waiter.resolve(this.lastUpdate);
    if (this.done) this.resolveLastRoundClosed();

    this.onRoundClosed({
      round,
      meanLoss: losses.reduce((sum, loss) => sum + loss, 0) / losses.length,
      contributors: ordered.length,
      aggregateMs,
      diagnostics,
    });
  }
}
