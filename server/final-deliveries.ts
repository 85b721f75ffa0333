// The end of a run: it is over once the last round is closed and every participant has received the update
// that tells it to stop (the server then writes its summary and exits).
export class FinalDeliveries {
  private readonly delivered = new Set<number>();
  private resolveFinished!: () => void;
  private resolveLastRoundClosed!: () => void;
  /** Resolves once the last round is closed. */
  readonly lastRoundClosed = new Promise<void>((resolve) => (this.resolveLastRoundClosed = resolve));
  /** Resolves once the last round is closed and every participant has received its update. */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  roundsOver(): void {
    this.resolveLastRoundClosed();
  }

  /** `workerId` has received the final update; `participants` are those the run still waits on. */
  markDelivered(workerId: number, participants: number[]): void {
    this.delivered.add(workerId);
    if (participants.every((id) => this.delivered.has(id))) this.resolveFinished();
  }
}
