// A shard server's copies of its slice at the rounds the primary evaluates (and the last): the primary fetches
// them (FetchSlice) to put the whole vector together, at its own pace, while this shard trains on. Only those
// rounds are copied, so the primary's link carries no per-round traffic.
export class SliceSnapshots {
  private readonly kept = new Map<number, Uint8Array>();
  private waiters: Array<{ round: number; resolve: (bytes: Uint8Array) => void }> = [];

  constructor(private readonly evalEvery: number, private readonly rounds: number) {}

  /** Whether the primary evaluates after round `round` (0-based). */
  wanted(round: number): boolean {
    return round + 1 === this.rounds || (this.evalEvery > 0 && (round + 1) % this.evalEvery === 0);
  }

  /** Round `round` has closed and `parameters` are the slice after its update. */
  roundClosed(round: number, parameters: Float32Array): void {
    if (!this.wanted(round)) return;
    // After the last round the parameters never change again: lend them instead of copying a whole range.
    const last = round + 1 === this.rounds;
    const bytes = last ? new Uint8Array(parameters.buffer, parameters.byteOffset, parameters.byteLength) : new Uint8Array(parameters.slice().buffer);
    this.kept.set(round, bytes);
    const ready = this.waiters.filter((w) => w.round === round);
    this.waiters = this.waiters.filter((w) => w.round !== round);
    for (const waiter of ready) waiter.resolve(bytes);
  }

  /** The slice after round `round`, once that round has closed; the copy is let go once handed out. */
  take(round: number): Promise<Uint8Array> {
    const bytes = this.kept.get(round);
    if (bytes) {
      this.kept.delete(round);
      // Copies of earlier rounds were never asked for (an evaluation skipped): let them go too.
      for (const earlier of [...this.kept.keys()].filter((r) => r < round)) this.kept.delete(earlier);
      return Promise.resolve(bytes);
    }
    return new Promise((resolve) => this.waiters.push({ round, resolve }));
  }
}
