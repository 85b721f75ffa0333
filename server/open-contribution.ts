// One worker's contribution while its stream is open. The worker's slot is lent to this stream alone, from its
// first chunk until it ends: a second stream of the same worker is refused, and a stream whose loan was taken
// back (its round closed, its worker was dropped) can write nothing more. So the bytes a round aggregates are
// exactly the bytes one stream wrote and its NaN check saw, with no copy and no second buffer per worker.
import { ChunkAssembler, type PayloadChunk } from '../shared/codec/chunks.js';
import { ArrivingPayloadCheck } from '../shared/codec/payload-check.js';
import type { WireFormat } from '../shared/codec/wire-format.js';
import { OutOfStepError } from '../shared/protocol-errors.js';
import type { Participant } from './participants.js';

export class OpenContribution {
  /** NaN and ±Infinity checks of what this stream wrote, chunk by chunk as it arrives. */
  readonly check: ArrivingPayloadCheck;
  private readonly assembler: ChunkAssembler;

  constructor(
    readonly workerId: number,
    readonly round: number,
    readonly phase: number,
    readonly participant: Participant,
    expectedBytes: number,
    format: WireFormat,
    d: number,
  ) {
    const check = new ArrivingPayloadCheck(participant.slot, format, d);
    this.check = check;
    this.assembler = new ChunkAssembler(participant.slot, expectedBytes, `worker ${workerId}, round ${round}`, (bytes) => check.received(bytes));
    participant.stream = this;
  }

  /** Whether the slot is still lent to this stream. */
  get holdsSlot(): boolean {
    return this.participant.stream === this;
  }

  get complete(): boolean {
    return this.assembler.complete;
  }

  get bytesReceived(): number {
    return this.assembler.bytesReceived;
  }

  accept(chunk: PayloadChunk): void {
    if (!this.holdsSlot) throw this.closedError();
    this.assembler.accept(chunk);
  }

  /** Gives the slot back (the stream ended or failed). */
  release(): void {
    if (this.holdsSlot) this.participant.stream = undefined;
  }

  closedError(): OutOfStepError {
    return new OutOfStepError(
      `round ${this.round} phase ${this.phase} closed before worker ${this.workerId}'s contribution was complete; fetch the parameters again`,
    );
  }
}
