// The updates workers pull: the latest published update of each phase, the PullUpdate calls waiting for the
// next one, and the two buffers the published payloads take turns in. A pipelined round's update is published
// when its first chunk is aggregated and grows from there (update-progress.ts); if it is withdrawn, the round's
// classic update takes its place and its buffer.
import type { Phase, PublishedUpdate } from './round-types.js';
import { UpdateProgress } from './update-progress.js';

interface Waiter {
  round: number;
  phase: Phase;
  resolve: (update: PublishedUpdate) => void;
  reject: (reason: Error) => void;
}

export class Publication {
  private waiters: Waiter[] = [];
  private readonly latestOfPhase = new Map<Phase, PublishedUpdate>();
  private readonly buffers: Uint8Array[] = [];
  private copies = 0;
  /** The phase-0 update before a pipelined one, latest again if that one is withdrawn. */
  private previousOfPhase0?: PublishedUpdate;

  /** `allocate` gives a word-aligned buffer as large as any update of the run. */
  constructor(private readonly allocate: () => Uint8Array) {}

  /** The latest published update of `phase`, if any. */
  latest(phase: Phase): PublishedUpdate | undefined {
    return this.latestOfPhase.get(phase);
  }

  /** Resolves once the update of (`round`, `phase`) is published. */
  waitFor(round: number, phase: Phase): Promise<PublishedUpdate> {
    return new Promise((resolve, reject) => this.waiters.push({ round, phase, resolve, reject }));
  }

  /** Fails every call still waiting for an update that will not come (the rounds are suspended). */
  failWaiting(reason: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  /**
   * A word-aligned copy of the update to publish, trimmed to its length: the aggregator reuses its output buffer
   * while slow streams may still be sending the last update. Two buffers take turns, so each round's copy
   * allocates nothing (at sgd, d = 25M, a fresh 100 MB per round cost page faults and garbage collections).
   * Reusing round r's buffer at round r + 2 is safe: a worker still receiving round r then missed round r + 1,
   * so its next contribution is refused as out of step and it fetches the parameters again, whatever it received.
   * The untrimmed buffer is `whole` (the server's own step reads it aligned).
   */
  copy(downlink: Uint8Array): { whole: Uint8Array; payload: Uint8Array } {
    const whole = this.nextBuffer();
    whole.set(downlink);
    return { whole, payload: whole.subarray(0, downlink.byteLength) };
  }

  /**
   * Publishes a pipelined round's update before any of it is final: its payload is the next buffer (as `copy`
   * takes it), trimmed to `wireBytes`, and the caller writes each aggregated range into `whole` before growing it.
   */
  begin(round: number, contributors: number, wireBytes: number): { update: PublishedUpdate; whole: Uint8Array } {
    const whole = this.nextBuffer();
    const update: PublishedUpdate = {
      round, phase: 0, payload: whole.subarray(0, wireBytes), contributors, rejected: false, stop: false, progress: new UpdateProgress(),
    };
    this.previousOfPhase0 = this.latestOfPhase.get(0);
    this.publish(update);
    return { update, whole };
  }

  /**
   * Takes back a pipelined update that may not be completed: its pulls fail with `reason`, the update before it
   * is the latest again, and its buffer is the one the round's classic update will be copied into (so the
   * buffer a slow worker may still be receiving the previous update from is left alone).
   */
  withdraw(update: PublishedUpdate, reason: Error): void {
    update.progress?.withdraw(reason);
    if (this.latestOfPhase.get(0) === update) {
      if (this.previousOfPhase0) this.latestOfPhase.set(0, this.previousOfPhase0);
      else this.latestOfPhase.delete(0);
    }
    this.copies -= 1;
  }

  private nextBuffer(): Uint8Array {
    return (this.buffers[this.copies++ % 2] ??= this.allocate());
  }

  publish(update: PublishedUpdate): void {
    this.latestOfPhase.set(update.phase, update);
    const ready = this.waiters.filter((w) => w.round === update.round && w.phase === update.phase);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve(update);
  }
}
