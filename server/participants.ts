// The workers a round waits for, and what each has sent in the current phase: its payload slot, the stream the
// slot is lent to, its loss, and whether its contribution was refused. The coordinator decides when to admit and
// when to close; this keeps the book.
import type { WorkerTime } from './round-types.js';

export interface Participant {
  slot: Uint8Array;
  /** Loss reported with this phase's contribution; undefined until it arrives. */
  loss?: number;
  /** This phase's contribution arrived but was refused: the round does not wait for it. */
  refused?: boolean;
  /** Phase 0's loss, kept for the safeguard's comparison in phase 1. */
  lossBefore?: number;
  /** When this phase's contribution was complete (monotonic clock, ms). */
  arrivedAt?: number;
  /** The one open stream (an OpenContribution) the slot is lent to; undefined when none may write it. */
  stream?: object;
  /** The worker's own compute and encoding time for this phase's contribution, when it reports them. */
  workerTime?: WorkerTime;
  /**
   * Coordinates of this phase's contribution that are in and passed the NaN check, for a pipelined round
   * (a prefix of the vector, word-aligned); 0 when none, or when the stream broke off or sent a NaN.
   */
  coordinatesIn?: number;
}

export class Participants {
  private readonly byId = new Map<number, Participant>();

  /** `allocateSlot` gives a word-aligned buffer for one uplink payload. */
  constructor(private readonly allocateSlot: () => Uint8Array) {}

  get size(): number {
    return this.byId.size;
  }

  get(workerId: number): Participant | undefined {
    return this.byId.get(workerId);
  }

  ids(): number[] {
    return [...this.byId.keys()];
  }

  /** Returns false if the worker already takes part. */
  add(workerId: number): boolean {
    if (this.byId.has(workerId)) return false;
    this.byId.set(workerId, { slot: this.allocateSlot() });
    return true;
  }

  /** Returns false if the worker did not take part. Its open stream, if any, can write nothing more. */
  remove(workerId: number): boolean {
    const participant = this.byId.get(workerId);
    if (participant) participant.stream = undefined;
    return this.byId.delete(workerId);
  }

  /** Whether this participant has answered the current phase (contributed, or was refused). */
  static answered(participant: Participant): boolean {
    return participant.loss !== undefined || participant.refused === true;
  }

  /** Whether every participant has answered the current phase. */
  allAnswered(): boolean {
    for (const participant of this.byId.values()) if (!Participants.answered(participant)) return false;
    return true;
  }

  /** Every participant, by ascending worker id. */
  byAscendingId(): Array<[number, Participant]> {
    return [...this.byId.entries()].sort(([a], [b]) => a - b);
  }

  /** Those whose contribution to the current phase was taken, by ascending worker id. */
  contributed(): Array<[number, Participant]> {
    return [...this.byId.entries()].filter(([, p]) => p.loss !== undefined).sort(([a], [b]) => a - b);
  }

  /** Drops the participants that have not answered the current phase; returns their ids. */
  dropSilent(): number[] {
    const silent = [...this.byId.entries()].filter(([, p]) => !Participants.answered(p)).map(([id]) => id);
    for (const id of silent) this.remove(id);
    return silent;
  }

  /** Starts the next phase: nobody has answered it yet, and no stream of the closed phase may write any more. */
  clearAnswers(): void {
    for (const participant of this.byId.values()) {
      participant.loss = undefined;
      participant.refused = undefined;
      participant.stream = undefined;
      participant.coordinatesIn = undefined;
    }
  }
}
