// The round's deadline timer: a slow but live worker holds a round at most this long. It never keeps the
// process alive, and once halted (shutdown) it never fires again.
export class RoundDeadline {
  private timer?: NodeJS.Timeout;
  private halted = false;

  constructor(private readonly timeoutMs: number, private readonly onDeadline: () => void) {}

  /** (Re)starts the countdown for the open round. */
  arm(): void {
    clearTimeout(this.timer);
    if (this.halted) return;
    this.timer = setTimeout(this.onDeadline, this.timeoutMs);
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  halt(): void {
    this.halted = true;
    this.clear();
  }

  get isHalted(): boolean {
    return this.halted;
  }
}
