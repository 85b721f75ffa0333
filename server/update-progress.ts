// A pipelined round's update while it is still being aggregated: how many of its bytes are final, and whether it
// was withdrawn. PullUpdate streams each final prefix at once and waits here for more; a withdrawn update fails
// their calls as out of step (the chunks already sent came from a contributor set that fell apart).
export class UpdateProgress {
  /** Bytes of the payload that are final. */
  readyBytes = 0;
  /** Every byte is final, and the update's hash and stop flag are set. */
  complete = false;
  withdrawn?: Error;
  private wakers: Array<() => void> = [];

  grow(readyBytes: number): void {
    this.readyBytes = readyBytes;
    this.wake();
  }

  finish(): void {
    this.complete = true;
    this.wake();
  }

  withdraw(reason: Error): void {
    this.withdrawn = reason;
    this.wake();
  }

  /** Resolves at the next change (more bytes, completion, withdrawal). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}
