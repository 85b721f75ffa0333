// Synchronous rounds: collect one contribution per participant, aggregate, publish the encoded update to every
// worker waiting for it, and apply it to the server's copy. This file is the round's state machine; the book of
// participants, the deadline timer, the publication and the end of the run each live in their own file.
// Faults: a worker that leaves (its Attend stream broke) stops being waited for at once; a worker that is alive
// but slow is waited for until the round's deadline, after which the round closes with the contributions in
// hand if there are at least `quorum` of them, and the late worker resynchronises from the next round.
// A fresh run starts once all M workers are there; a resumed one was under way, so its first round closes like
// any other: with everyone present, or at its deadline with a quorum (a worker machine may be gone for good).
// Every timeout with too few contributions says how many it has and waits for.
// Contributions: each worker's slot is lent to one open stream at a time (open-contribution.ts), so what a
// round aggregates is exactly what one stream wrote, checked, and committed while the round was open.
// Pipelined rounds (pipelined-round.ts): where both wire formats have coordinate prefixes and the aggregator is
// coordinate-wise, the round's contributor set is frozen once every participant's stream holds the first
// coordinates, and each range all of them have sent is aggregated and published at once. The round still closes
// as above, with the contributions in hand; if they are no longer the frozen set (a contributor left, its stream
// failed, it sent a NaN, it missed the deadline, a worker joined), the pipelined update is withdrawn (its pulls
// fail as out of step, so those workers fetch the parameters) and the round closes classically.
// A safeguarded method (Safaryan & Richtárik, Alg. 1, option 2) has two phases per round: phase 0 collects the
// contributions and publishes the candidate step without applying it; phase 1 collects each worker's loss at
// the candidate on the same batch, and publishes the verdict: the step is kept only if the mean loss did not rise.
import { coordinatesInPrefix, hasCoordinatePrefixes } from '../shared/codec/coordinate-prefix.js';
import { allocatePayload } from '../shared/codec/wire-format.js';
import { ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import type { Method } from '../shared/methods/method.js';
import type { Aggregator } from '../shared/methods/stages.js';
import { monotonicMs } from '../shared/monotonic-clock.js';
import { ContributionRefusedError, OutOfStepError, StreamAlreadyOpenError } from '../shared/protocol-errors.js';
import type { RunConfig } from '../shared/protocol.js';
import { aggregateContributions, type Aggregated } from './aggregation.js';
import type { Diagnose } from './diagnostics.js';
import { FinalDeliveries } from './final-deliveries.js';
import { OpenContribution } from './open-contribution.js';
import type { ParameterStore } from './parameter-store.js';
import { Participants, type Participant } from './participants.js';
import { PipelinedRound } from './pipelined-round.js';
import { Publication } from './publication.js';
import { RoundDeadline } from './round-deadline.js';
import type { ClosedRound, Phase, PublishedUpdate, RoundTiming, WorkerTime } from './round-types.js';

const NO_PAYLOAD = new Uint8Array(0);

export interface FaultPolicy {
  /** Fewest contributions a round may close with at its deadline. */
  quorum: number;
  roundTimeoutMs: number;
  /** The run resumes from a checkpoint: its first round need not wait for all M workers. */
  resumed?: boolean;
  /** Close every round only once its contributions are whole (no pipelining): the reference pipelining must match. */
  classicRounds?: boolean;
  log: Logger;
}

export class RoundCoordinator {
  private readonly participants: Participants;
  private readonly publication: Publication;
  private readonly deadline: RoundDeadline;
  private readonly ending = new FinalDeliveries();
  private phase: Phase = 0;
  private started = false;
  /** Set while the update is published and the server's own step is still to come (see publishThenStep). */
  private pendingStep?: Promise<void>;
  private candidate?: Omit<Aggregated, 'downlink'> & { payload: Uint8Array; contributors: number };
  /** Whether this run's rounds may be pipelined (formats, aggregator, method, flags). */
  private readonly pipelines: boolean;
  /** The open round's pipelined update, once its contributor set is frozen. */
  private pipelined?: PipelinedRound;
  /** A round whose pipelined update was withdrawn: it closes classically. */
  private withdrawnRound = -1;
  /** Parameter fetches waiting for the open phase to close (parametersReady). */
  private roundClosedWaiters: Array<() => void> = [];
  /** Resolves once the last round is closed. */
  readonly lastRoundClosed = this.ending.lastRoundClosed;
  /** Resolves once the last round is closed and every participant has received its update. */
  readonly finished = this.ending.finished;

  constructor(
    private readonly config: RunConfig,
    private readonly method: Method,
    private readonly aggregator: Aggregator,
    private readonly store: ParameterStore,
    private readonly faults: FaultPolicy,
    private readonly onRoundClosed: (closed: ClosedRound) => void,
    private readonly diagnose: Diagnose = () => undefined,
  ) {
    const { parameterCount: d, workers } = config;
    this.participants = new Participants(() => allocatePayload(method.uplink, d, workers));
    this.publication = new Publication(() => allocatePayload(method.downlink, d, workers));
    this.deadline = new RoundDeadline(faults.roundTimeoutMs, () => this.deadlinePassed());
    this.pipelines = !faults.classicRounds && aggregator.aggregateRange !== undefined && !method.pipeline.safeguard
      && hasCoordinatePrefixes(method.uplink) && hasCoordinatePrefixes(method.downlink);
  }

  get round(): number {
    return this.store.round;
  }

  get done(): boolean {
    return this.store.round >= this.config.rounds;
  }

  get participantCount(): number {
    return this.participants.size;
  }

  /** The round starts waiting for this worker (a new one, or one back in step after fetching the parameters). */
  addParticipant(workerId: number): void {
    if (!this.participants.add(workerId)) return;
    // The round now waits for this worker too, so its contributors can no longer be the frozen set.
    this.withdrawPipelined(`worker ${workerId} joined the open round`);
    if (this.started) return;
    // Training starts once all M workers are there; after that, workers come and go. Until then the deadline
    // counts the wait, from the first worker on: each timeout says who is missing, and a resumed run may start.
    if (this.participants.size >= this.config.workers) {
      this.started = true;
      this.armDeadline();
    } else if (this.participants.size === 1) {
      this.armDeadline();
    }
  }

  /** The worker is gone: stop waiting for it. */
  removeParticipant(workerId: number): void {
    if (!this.participants.remove(workerId)) return;
    if (this.pipelined?.includes(workerId)) this.withdrawPipelined(`worker ${workerId} left`);
    this.closeIfComplete();
  }

  /** Stops the deadline timer for good (shutdown). */
  halt(): void {
    this.deadline.halt();
  }

  /**
   * Stops the rounds for good and lets go of every call waiting on them (a sharded run lost a shard server and
   * rolls back to a checkpoint): no round closes any more, pulls waiting for an update and a pipelined update in
   * flight fail as out of step, and fetches waiting for the open round go on at once.
   */
  suspend(reason: string): void {
    this.deadline.halt();
    this.withdrawPipelined(reason);
    this.publication.failWaiting(new OutOfStepError(`round ${this.store.round} will not close: ${reason}; fetch the parameters again`));
    for (const wake of this.roundClosedWaiters.splice(0)) wake();
  }

  /**
   * Resolves once the parameters are those of a round this worker can contribute to: after the server's pending
   * step, and after the open round closes if the worker already answered it (its pipelined update was withdrawn,
   * say), so a worker back in step does not fetch, push and get refused over and over.
   */
  async parametersReady(workerId: number): Promise<void> {
    await this.stepTaken();
    const participant = this.participants.get(workerId);
    if (!participant || !Participants.answered(participant) || this.done) return;
    await new Promise<void>((resolve) => this.roundClosedWaiters.push(resolve));
    await this.stepTaken();
  }

  /** Resolves once the server's own step of the last published update is taken (at once if it is). */
  stepTaken(): Promise<void> {
    return this.pendingStep ?? Promise.resolve();
  }

  /**
   * Lends this worker's slot to a new stream for (`round`, `phase`); refuses unknown workers, wrong rounds, a
   * worker that already contributed, and a second open stream of the same worker.
   */
  openContribution(workerId: number, round: number, phase: number): OpenContribution {
    const participant = this.participants.get(workerId);
    if (!participant) {
      throw new OutOfStepError(`worker ${workerId} is not part of round ${this.store.round}; fetch the parameters again`);
    }
    if (this.done) throw new OutOfStepError(`training is over (${this.config.rounds} rounds)`);
    if (round !== this.store.round || phase !== this.phase || this.pendingStep) {
      // While the server steps, round `store.round` is closed and the next not yet open.
      throw new OutOfStepError(
        `contribution for round ${round} phase ${phase}, but round ${this.store.round} phase ${this.phase} is ${this.pendingStep ? 'closed' : 'open'}; fetch the parameters again`,
      );
    }
    if (Participants.answered(participant)) {
      throw new OutOfStepError(`worker ${workerId} already contributed to round ${round} phase ${phase}; fetch the parameters again`);
    }
    if (participant.stream) {
      throw new StreamAlreadyOpenError(
        `worker ${workerId} already has a contribution stream open for round ${round} phase ${phase}; send one at a time`,
      );
    }
    const expected = phase === 0 ? this.method.uplinkBytes : 0;
    participant.coordinatesIn = 0;
    return new OpenContribution(workerId, round, phase, participant, expected, this.method.uplink, this.config.parameterCount);
  }

  /**
   * Takes the stream's complete contribution into the round, if the round is still open and the slot still the
   * stream's; refuses a float payload holding NaN or ±Infinity.
   */
  commitContribution(contribution: OpenContribution, loss: number, workerTime?: WorkerTime): void {
    const { workerId, round, phase, participant } = contribution;
    const current = contribution.holdsSlot && this.participants.get(workerId) === participant;
    contribution.release();
    if (!current || round !== this.store.round || phase !== this.phase || this.pendingStep || this.done) throw contribution.closedError();
    const problem = phase === 0 ? contribution.check.problem() : undefined;
    if (problem) {
      participant.refused = true;
      this.closeIfComplete();
      throw new ContributionRefusedError(
        `contribution of worker ${workerId} to round ${round} refused: ${problem}; the round goes on without it (a diverging model? try a smaller --lr)`,
      );
    }
    participant.loss = loss;
    participant.arrivedAt = monotonicMs();
    participant.workerTime = workerTime;
    this.closeIfComplete();
  }

  /**
   * A chunk of this stream's contribution is in and has passed the NaN check: a pipelined round aggregates every
   * range all its contributors now hold (and freezes its contributor set first, once every participant's stream
   * holds the first coordinates).
   */
  contributionProgressed(contribution: OpenContribution): void {
    const { workerId, participant } = contribution;
    if (!this.pipelines || contribution.phase !== 0 || !contribution.holdsSlot || this.participants.get(workerId) !== participant) return;
    const problem = contribution.check.problemSoFar;
    if (problem) {
      // Nothing of it may be aggregated; it is refused whole when the stream ends.
      participant.coordinatesIn = 0;
      if (this.pipelined?.includes(workerId)) this.withdrawPipelined(`worker ${workerId} sent a non-finite value (${problem})`);
      return;
    }
    participant.coordinatesIn = coordinatesInPrefix(this.method.uplink, this.config.parameterCount, contribution.bytesReceived);
    this.pipelined ??= this.freezeContributors();
    this.pipelined?.advance();
  }

  /** The stream broke off or failed before its contribution was taken. */
  contributionAbandoned(contribution: OpenContribution): void {
    const { workerId, participant, round, phase } = contribution;
    if (this.participants.get(workerId) !== participant || round !== this.store.round || phase !== this.phase) return;
    if (Participants.answered(participant)) return;
    participant.coordinatesIn = 0;
    if (this.pipelined?.includes(workerId)) this.withdrawPipelined(`worker ${workerId}'s contribution stream failed`);
  }

  /** Resolves with the update of (`round`, `phase`) once published; the latest one of each phase stays available. */
  waitForUpdate(round: number, phase: number): Promise<PublishedUpdate> {
    const { safeguard } = this.method.pipeline;
    if (!(phase === 0 || (phase === 1 && safeguard))) {
      // Refused at once: such an update will never be published, and the call would wait forever.
      return Promise.reject(new ProtocolError(`${this.config.method} has no phase ${phase}: its rounds have ${safeguard ? 'phases 0 and 1' : 'phase 0 only'}`));
    }
    const published = this.publication.latest(phase);
    if (published?.round === round) return Promise.resolve(published);
    if (round !== this.store.round || this.done) {
      return Promise.reject(
        new OutOfStepError(`no update for round ${round} phase ${phase} (round ${this.store.round} is open); fetch the parameters again`),
      );
    }
    return this.publication.waitFor(round, phase);
  }

  /** Called once an update has been streamed to a worker in full. */
  updateDelivered(workerId: number, update: PublishedUpdate): void {
    if (update.stop) this.ending.markDelivered(workerId, this.participants.ids());
  }

  /**
   * The pipelined round, if the open round can start one now: every participant's stream holds the first
   * word's coordinates. Its contributors are frozen and its update published (still empty).
   */
  private freezeContributors(): PipelinedRound | undefined {
    const round = this.store.round;
    if (!this.started || this.done || this.pendingStep || this.phase !== 0 || this.deadline.isHalted || this.withdrawnRound === round) return undefined;
    const d = this.config.parameterCount;
    const everyone = this.participants.byAscendingId();
    if (everyone.length === 0 || everyone.some(([, p]) => (p.coordinatesIn ?? 0) < Math.min(32, d))) return undefined;
    const { update, whole } = this.publication.begin(round, everyone.length, this.method.downlinkBytes);
    const aggregator = this.aggregator;
    return new PipelinedRound(
      round, everyone, (contributions, context, range) => aggregator.aggregateRange!(contributions, context, range),
      this.method.downlink, d, { round, seed: this.config.seed }, update, whole,
    );
  }

  /** Takes back the open round's pipelined update (see publication.withdraw); the round closes classically. */
  private withdrawPipelined(reason: string): void {
    const pipelined = this.pipelined;
    if (!pipelined) return;
    this.pipelined = undefined;
    const { round } = pipelined;
    this.withdrawnRound = round;
    this.faults.log.warn({ round, reason }, `round ${round}'s pipelined update withdrawn: ${reason}; the round closes with the contributions in hand`);
    this.publication.withdraw(pipelined.update, new OutOfStepError(`the update of round ${round} was withdrawn (${reason}); fetch the parameters again`));
  }

  /** The open round's pipelined update if the round closes with exactly its contributors; else it is withdrawn. */
  private takePipelined(contributors: Array<[number, Participant]>): PipelinedRound | undefined {
    const pipelined = this.pipelined;
    if (!pipelined) return undefined;
    if (!pipelined.completeWith(contributors.map(([id]) => id))) {
      this.withdrawPipelined(`it closes with ${contributors.length} contributions, not the frozen set`);
      return undefined;
    }
    this.pipelined = undefined;
    return pipelined;
  }

  private closeIfComplete(): void {
    if (!this.started || this.pendingStep || this.deadline.isHalted || this.done || this.participants.size === 0) return;
    if (this.participants.allAnswered()) this.closePhase();
  }

  private armDeadline(): void {
    if (this.done) this.deadline.clear();
    else this.deadline.arm();
  }

  private deadlinePassed(): void {
    if (this.pendingStep) return; // the step re-arms the deadline for the next round
    const contributed = this.participants.contributed();
    const round = this.store.round;
    const { workers } = this.config;
    const present = this.participants.size;
    if (!this.started && !this.faults.resumed) {
      this.faults.log.warn({ round, participants: present, workers }, `waiting for all ${workers} workers to start training; ${present} joined so far`);
      this.armDeadline();
      return;
    }
    if (contributed.length === 0 || contributed.length < this.faults.quorum) {
      this.faults.log.warn(
        { round, contributions: contributed.length, quorum: this.faults.quorum, participants: present, workers },
        `round ${round} has ${contributed.length} of the ${this.faults.quorum} contributions its quorum needs (${present} of ${workers} workers present); still waiting`,
      );
      this.armDeadline();
      return;
    }
    if (!this.started) {
      this.started = true;
      this.faults.log.warn(
        { round, contributions: contributed.length, quorum: this.faults.quorum, participants: present, workers },
        `resumed run goes on with ${contributed.length} of ${workers} workers (quorum ${this.faults.quorum}); the others take part once they join`,
      );
    }
    for (const workerId of this.participants.dropSilent()) {
      this.faults.log.warn({ round, workerId }, `worker ${workerId} missed round ${round}'s deadline; the round closes without it`);
    }
    this.closePhase();
  }

  private closePhase(): void {
    const round = this.store.round;
    const closedAt = monotonicMs();
    const contributed = this.participants.contributed();
    const arrivals: Pick<RoundTiming, 'arrivedAt' | 'workerTimes'> = {
      arrivedAt: Object.fromEntries(contributed.map(([id, p]) => [id, p.arrivedAt ?? closedAt])),
      workerTimes: Object.fromEntries(contributed.flatMap(([id, p]) => (p.workerTime ? [[id, p.workerTime]] : []))),
    };
    const ordered = contributed.map(([, p]) => p);
    const losses = ordered.map((p) => p.loss ?? Number.NaN);
    const pipelined = this.takePipelined(contributed);
    this.participants.clearAnswers();
    // Woken now, they resume after this close has set up the server's step, and wait for it.
    for (const wake of this.roundClosedWaiters.splice(0)) wake();
    if (ordered.length === 0) {
      // Every contribution was refused: the round passes without a step.
      this.phase = 0;
      this.applyAndPublish(round, undefined, 0, true, 0);
      this.onRoundClosed({ round, meanLoss: Number.NaN, contributors: 0, aggregateMs: 0 });
      if (this.done) this.ending.roundsOver();
      this.armDeadline();
      return;
    }

    if (pipelined) {
      const closed = {
        round, meanLoss: mean(losses), contributors: ordered.length, aggregateMs: pipelined.aggregateMs,
        diagnostics: this.diagnose(ordered.map((p) => p.slot), round),
      };
      this.finishPipelined(pipelined, closed, arrivals, closedAt);
      return;
    }
    if (this.phase === 0) {
      const { downlink, aggregateMs, diagnostics } = aggregateContributions(
        this.aggregator, this.diagnose, ordered.map((p) => p.slot), round, this.config.seed,
      );
      if (this.method.pipeline.safeguard) {
        ordered.forEach((p, i) => (p.lossBefore = losses[i]));
        // An aligned copy, applied once the verdict is in; the aggregator reuses its output buffer.
        const payload = allocatePayload(this.method.downlink, this.config.parameterCount, this.config.workers);
        payload.set(downlink);
        this.candidate = { payload: payload.subarray(0, downlink.byteLength), contributors: ordered.length, aggregateMs, diagnostics };
        this.phase = 1;
        this.publication.publish({ round, phase: 0, payload: this.candidate.payload, contributors: ordered.length, rejected: false, stop: false });
        this.armDeadline();
        return;
      }
      const closed = { round, meanLoss: mean(losses), contributors: ordered.length, aggregateMs, diagnostics };
      if (this.canPublishBeforeStep(round)) {
        this.publishThenStep(round, downlink, closed, arrivals, closedAt);
        return;
      }
      const published = this.applyAndPublish(round, downlink, ordered.length, false, 0);
      this.onRoundClosed({ ...closed, timing: { ...arrivals, closedAt, ...published } });
    } else {
      const candidate = this.candidate!;
      const before = mean(ordered.map((p) => p.lossBefore ?? Number.NaN));
      const accepted = mean(losses) <= before;
      this.phase = 0;
      this.applyAndPublish(round, accepted ? candidate.payload : undefined, candidate.contributors, !accepted, 1);
      this.onRoundClosed({
        round, meanLoss: before, contributors: candidate.contributors, aggregateMs: candidate.aggregateMs,
        diagnostics: candidate.diagnostics, accepted,
      });
    }
    if (this.done) this.ending.roundsOver();
    this.armDeadline();
  }

  /**
   * The update can leave before the server's own step unless this round's update must carry the parameter hash
   * (which needs the step) or ends the run.
   */
  private canPublishBeforeStep(round: number): boolean {
    return !this.hashDue(round) && round + 1 < this.config.rounds;
  }

  /** Whether round `round`'s update carries the server's parameter hash (every hash_every rounds). */
  private hashDue(round: number): boolean {
    return this.config.hashEvery > 0 && (round + 1) % this.config.hashEvery === 0;
  }

  /** The server's own replica step with round `round`'s update; returns how long it took (ms). */
  private step(round: number, payload: Uint8Array, contributors: number): number {
    const started = performance.now();
    const shape = { format: this.method.downlink, workers: this.config.workers, contributors, weightDecay: this.method.weightDecay };
    this.store.applyRoundUpdate(payload, shape, this.method.replicaStepSize(round));
    return performance.now() - started;
  }

  /**
   * Publishes the update, then takes the server's step in the next turn of the event loop: by then the update
   * is in the sockets' buffers, so the step overlaps the broadcast instead of delaying it (at d = 25M the step is
   * as long as a 1-bit update's transfer over a fast link). Until the step is done no round is open: a
   * contribution is refused as out of step (one for the next round cannot even exist yet: the update is not sent
   * until this turn of the event loop ends), and a parameter fetch waits for the step (stepTaken).
   */
  private publishThenStep(
    round: number, downlink: Uint8Array, closed: Omit<ClosedRound, 'timing'>, arrivals: Pick<RoundTiming, 'arrivedAt' | 'workerTimes'>, closedAt: number,
  ): void {
    const { whole, payload } = this.publication.copy(downlink);
    this.publication.publish({ round, phase: 0, payload, contributors: closed.contributors, rejected: false, stop: false });
    this.stepAfterPublishing(round, whole, closed, arrivals, closedAt);
  }

  /**
   * Completes a pipelined round's update: its last bytes go out, with the hash when due (the server steps
   * first, as applyAndPublish does) or before the server's step (as publishThenStep does).
   */
  private finishPipelined(
    pipelined: PipelinedRound, closed: Omit<ClosedRound, 'timing'>, arrivals: Pick<RoundTiming, 'arrivedAt' | 'workerTimes'>, closedAt: number,
  ): void {
    const { round, update, whole } = pipelined;
    this.faults.log.debug({ event: 'pipelined-round', round, ranges: pipelined.ranges }, `round ${round} aggregated and published in ${pipelined.ranges} ranges`);
    if (this.canPublishBeforeStep(round)) {
      update.progress!.finish();
      this.stepAfterPublishing(round, whole, closed, arrivals, closedAt);
      return;
    }
    const applyMs = this.step(round, whole, closed.contributors);
    update.hash = this.hashDue(round) || this.done ? this.store.hash() : undefined;
    update.stop = this.done;
    update.progress!.finish();
    this.onRoundClosed({ ...closed, timing: { ...arrivals, closedAt, applyMs, publishedAt: monotonicMs() } });
    if (this.done) this.ending.roundsOver();
    this.armDeadline();
  }

  /** The server's step with the update just published, in the next turn of the event loop (see publishThenStep). */
  private stepAfterPublishing(
    round: number, whole: Uint8Array, closed: Omit<ClosedRound, 'timing'>, arrivals: Pick<RoundTiming, 'arrivedAt' | 'workerTimes'>, closedAt: number,
  ): void {
    const publishedAt = monotonicMs();
    this.deadline.clear();
    this.pendingStep = new Promise((resolve) =>
      setImmediate(() => {
        const applyMs = this.step(round, whole, closed.contributors);
        this.pendingStep = undefined;
        resolve();
        try {
          this.onRoundClosed({ ...closed, timing: { ...arrivals, closedAt, applyMs, publishedAt } });
        } catch (error) {
          // No request to fail here: the round is done, so log it and go on (as a checkpoint error would).
          this.faults.log.error({ err: error, round }, `after round ${round}: ${(error as Error).message}`);
        }
        this.armDeadline();
        // Participants that left meanwhile may be all the next round was waiting for.
        this.closeIfComplete();
      }),
    );
  }

  /** Applies the update (or, when rejected, keeps the parameters) and moves to the next round. */
  private applyAndPublish(
    round: number, downlink: Uint8Array | undefined, contributors: number, rejected: boolean, phase: Phase,
  ): Pick<RoundTiming, 'applyMs' | 'publishedAt'> {
    let applyMs = 0;
    if (downlink) applyMs = this.step(round, downlink, contributors);
    else this.store.keepRound();
    this.publication.publish({
      round,
      phase,
      // Verdicts and skipped rounds carry no payload: workers hold the candidate step, or take none.
      payload: phase === 0 && downlink ? this.publication.copy(downlink).payload : NO_PAYLOAD,
      contributors,
      rejected,
      hash: this.hashDue(round) || this.done ? this.store.hash() : undefined,
      stop: this.done,
    });
    return { applyMs, publishedAt: monotonicMs() };
  }
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
